package dev.tinyim.shared;

/**
 * The Redis keys that more than one service touches: registry, routing table, push streams, and the presence
 * signals gateways leave for relation (PROTOCOL.md 7.1).
 */
public final class RedisKeys {
    private RedisKeys() {
    }

    /**
     * String "host:port": where the primary database is since a failover ({@code ./tinyim failover}, or an
     * operator); absent, the configured one. New database connections read it ({@code shared.db.FollowPrimary}).
     */
    public static final String DB_PRIMARY = "tinyim:db:primary";

    /** Sorted set: instance id scored by the epoch ms its registration expires. */
    public static String registry(String service) {
        return "tinyim:registry:" + service;
    }

    /** Hash: instance id to its JSON description. */
    public static String registryInfo(String service) {
        return "tinyim:registry:" + service + ":info";
    }

    /** Hash: device type to "gatewayId|connectionId|sessionId" of the user's live connection. */
    public static String route(long userId) {
        return "tinyim:route:" + userId;
    }

    /** Stream a gateway consumes its pushes from. */
    public static String pushStream(String gatewayId) {
        return "tinyim:push:" + gatewayId;
    }

    /**
     * Sorted set: users whose set of connected device types may have changed, scored by the epoch ms of the first
     * change not yet looked at. Gateways add (NX, so the first change's time stays), relation takes them out.
     */
    public static final String PRESENCE_DIRTY = "tinyim:presence:dirty";

    /**
     * Set: the gateway incarnations ({@link #gatewayIncarnation}) that have routed connections; relation reaps the
     * routes of one that is no longer registered.
     */
    public static final String PRESENCE_GATEWAYS = "tinyim:presence:gateways";

    /** Hash: user id to the device types last announced in a presence event (comma-separated, "" offline). */
    public static final String PRESENCE_ANNOUNCED = "tinyim:presence:announced";

    /** Hash: user id to the epoch ms a connection of theirs last closed. */
    public static final String PRESENCE_LAST_SEEN = "tinyim:presence:last-seen";

    /** Set: the routes ({@code Route.member}) one gateway incarnation holds in the routing table. */
    public static String presenceGatewayRoutes(String incarnation) {
        return "tinyim:presence:gateway:" + incarnation;
    }

    /** One run of a gateway: its instance id and start time (a restarted gateway keeps its id, not its routes). */
    public static String gatewayIncarnation(String gatewayId, long startedAt) {
        return gatewayId + "@" + startedAt;
    }

    /** Counter behind the round-robin of GET /api/v1/dispatch, shared by all gateways. */
    public static final String DISPATCH_COUNTER = "tinyim:dispatch:rr";
}
