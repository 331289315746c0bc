package dev.tinyim.relation;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

@ConfigMapping(prefix = "tinyim.relation")
public interface RelationConfig {
    @WithDefault("500")
    int maxGroupSize();

    /** Reads about a user or group written this recently go to the primary ({@code RecentWrites}). */
    @WithDefault("10s")
    Duration readYourWritesWindow();

    /**
     * How long after its start the other relation instances may not yet find a new one (they find it through the
     * registry at once, through DNS within Stork's 5 s refresh): for its first window plus this, the new instance
     * sends every read about users and groups to the primary, as it cannot know what was written meanwhile.
     */
    @WithDefault("10s")
    Duration readYourWritesJoin();

    /** The profiles {@code user.get} read, kept by this instance ({@code ProfileStore}). */
    Profiles profiles();

    interface Profiles {
        /**
         * A kept profile is read again after this long: the safety net for a change this instance was not told of
         * (the writer logs and counts it as {@code tinyim.relation.marks.unconfirmed}); 0 keeps none.
         */
        @WithDefault("1m")
        Duration ttl();

        /** Profiles kept at most; past it the copies start over. */
        @WithDefault("100000")
        int maxEntries();
    }

    /** Presence (PROTOCOL.md 7.1). */
    Presence presence();

    interface Presence {
        /**
         * A user's device types are looked at this long after their first change: a disconnect and reconnect
         * within it (a gateway restart moving its users) announce nothing. The event is due within 2 s.
         */
        @WithDefault("1s")
        Duration coalesce();

        /** How often the changes that are due are looked at. */
        @WithDefault("250ms")
        Duration tick();

        /** How often gateways that left the registry have their routes reaped (their users go offline). */
        @WithDefault("5s")
        Duration reapEvery();

        /**
         * A gateway run is reaped once it has been out of the registry this long: the clients a stopping gateway
         * moved away reconnect elsewhere meanwhile (taking their routes over), so only those that did not come
         * back go offline. A crashed run leaves the registry when its registration lapses (15 s).
         */
        @WithDefault("10s")
        Duration reapGrace();

        /** Users looked at per round trip. */
        @WithDefault("1000")
        int batch();
    }
}
