package dev.tinyim.shared;

/** The Redis keys that more than one service touches: registry, routing table and push streams. */
public final class RedisKeys {
    private RedisKeys() {
    }

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

    /** Counter behind the round-robin of GET /api/v1/dispatch, shared by all gateways. */
    public static final String DISPATCH_COUNTER = "tinyim:dispatch:rr";
}
