package dev.tinyim.gateway;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

@ConfigMapping(prefix = "tinyim.gateway")
public interface GatewayConfig {
    /** An authenticated connection that sends no text frame for this long is closed with 4008. */
    @WithDefault("90s")
    Duration heartbeatTimeout();

    /**
     * An authenticated connection silent this long counts as gone for presence (PROTOCOL.md 7.1: at most 60 s,
     * the event's coalescing included): its route leaves the routing table until it speaks again. Clients ping at
     * least every 30 s.
     */
    @WithDefault("55s")
    Duration presenceTimeout();

    /** A connection not authenticated within this time is closed with 4003. */
    @WithDefault("10s")
    Duration authTimeout();

    /** How long a stopping gateway waits for commands in flight before closing connections with 1012. */
    @WithDefault("20s")
    Duration shutdownTimeout();

    @WithDefault("50")
    int ratePerSecond();

    @WithDefault("100")
    int rateBurst();

    /** Commands refused for rate within ten seconds after which the connection is closed with 1008. */
    @WithDefault("200")
    int abuseThreshold();

    /**
     * Commands this gateway has handed to the services and not yet answered; past it a new command (other than
     * ping) is refused at once with unavailable, so an overload is answered instead of queued.
     */
    @WithDefault("1000")
    int maxInFlight();

    /**
     * The delay this gateway aims to stay under while it sheds load: past it (event-loop lag, or the age of the
     * pushes it reads) a growing share of sends is refused with unavailable ({@code LoadShedder}).
     */
    @WithDefault("150ms")
    Duration overloadDelay();

    /** How many sends this gateway hands to chat at once once chat refuses sends as overloaded ({@code SendLimiter}). */
    SendLimit sendLimit();

    interface SendLimit {
        /** The limit never falls below this many sends in flight. */
        @WithDefault("32")
        int min();

        /** The limit while chat refuses nothing, and the most it grows back to. */
        @WithDefault("1000")
        int max();

        /**
         * Once chat has refused sends as overloaded, answers slower than this lower the limit too (below chat's
         * {@code tinyim.chat.commit.max-wait}, so the limit falls before chat refuses from its queue).
         */
        @WithDefault("100ms")
        Duration latency();

        /**
         * Answers that waited longer than this in chat's queue for their transaction (more than one in twenty of a
         * window's) lower the limit: chat falls behind. Below chat's {@code tinyim.chat.commit.max-wait} by more than
         * what the queue grows in one window of an overload, so the limit falls before chat refuses.
         */
        @WithDefault("50ms")
        Duration queued();
    }

    /** The profiles {@code user.get} answered, kept here ({@code ProfileCopies}). */
    Profiles profiles();

    interface Profiles {
        /**
         * A kept profile is asked for again after this long: the safety net for a change relation could not
         * announce (changes are forgotten as they are read from the push stream, all of them when the stream was
         * lost); 0 keeps none.
         */
        @WithDefault("5m")
        Duration ttl();

        /** Profiles kept at most; past it the copies start over. */
        @WithDefault("100000")
        int maxEntries();
    }

    /** Frames waiting to be written to one socket; past it the client is too slow and is closed with 1008. */
    @WithDefault("1000")
    int sendQueueLimit();
}
