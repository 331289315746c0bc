package dev.tinyim.chat;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The chat service's own settings (env: TINYIM_CHAT_...). */
@ConfigMapping(prefix = "tinyim.chat")
public interface ChatConfig {
    /** PROTOCOL.md section 3: text is 1-4,000 characters. */
    @WithDefault("4000")
    int maxTextLength();

    /** PROTOCOL.md 7.2: at most one typing event per sender and conversation in this time. */
    @WithDefault("2s")
    Duration typingInterval();

    /** PROTOCOL.md 7.4: a message may be recalled by its sender for this long after it was sent. */
    @WithDefault("120s")
    Duration recallWindow();

    /** PROTOCOL.md 7.4: a text message may be edited by its sender for this long after it was sent. */
    @WithDefault("24h")
    Duration editWindow();

    /** Group commit of sends (docs/timeline.md). */
    Commit commit();

    /** Who may write to whom, remembered from relation (docs/timeline.md). */
    Permissions permissions();

    interface Commit {
        /**
         * Send transactions running at once. One means the next transaction carries every send that arrived while
         * the last one ran, the most messages per transaction (docs/history/measurements.md has the measurement).
         */
        @WithDefault("1")
        int concurrency();

        /** Messages in one transaction at most. */
        @WithDefault("200")
        int maxMessages();

        /** Timeline entries in one transaction at most (a 500-member group message is 500). */
        @WithDefault("4000")
        int maxEntries();

        /** Sends waiting for a transaction at most; more are refused with unavailable. */
        @WithDefault("4000")
        int maxQueued();

        /**
         * A send that arrives while the oldest waiting send has waited this long is refused at once with
         * unavailable. An overload keeps the queue at about this age, so it is most of an accepted send's latency
         * then: at 2x the sustainable rate, 300 ms gave accepted p99 532 ms, 150 ms 448 ms, with no refusal at
         * 5,000 msg/s (docs/history/measurements.md).
         */
        @WithDefault("150ms")
        Duration maxWait();

        /**
         * A send already waiting is refused only if its transaction could not start within this time (a stalled
         * database); otherwise it is written when its turn comes, however long past {@code max-wait}: a refusal
         * after the wait answers late and wastes it. Set it to {@code max-wait} to refuse late as well.
         */
        @WithDefault("400ms")
        Duration expireAfter();

        /**
         * With fewer than {@code linger-messages} sends waiting, the next transaction waits until the oldest has
         * waited this long, so that it carries more (0: at once). At 2,000 msg/s: 0 gave 5 messages per
         * transaction and 0.70 ms of server CPU per message, 4 ms 11 and 0.57-0.63, 8 ms 20 and 0.52-0.57, for
         * 4 ms more p50 latency (docs/history/measurements.md).
         */
        @WithDefault("8ms")
        Duration linger();

        @WithDefault("32")
        int lingerMessages();

        /**
         * A send transaction that has not finished after this long fails its sends with unavailable (the client
         * resends the same clientMsgId: stored once whether or not it committed) and frees its slot. Without it, a
         * database connection lost without an answer (a primary killed mid-failover) held the slot, and every
         * later send was refused as overload.
         */
        @WithDefault("5s")
        Duration timeout();

        /** Users whose seq counter the writer remembers (a hint checked under lock; past it, it starts over). */
        @WithDefault("200000")
        int rememberedCounters();
    }

    interface Permissions {
        /** How long a friendship or member list is trusted without a word from relation (a safety net). */
        @WithDefault("60s")
        Duration ttl();

        /** Entries kept at most (each cache); past it the cache starts over. */
        @WithDefault("200000")
        int maxEntries();
    }
}
