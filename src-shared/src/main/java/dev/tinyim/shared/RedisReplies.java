package dev.tinyim.shared;

import io.vertx.mutiny.redis.client.Response;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads Redis replies the same way whether the server speaks RESP2 (flat arrays) or RESP3 (maps). */
public final class RedisReplies {
    private RedisReplies() {
    }

    /**
     * Whether the failure is a Redis error reply of that kind ({@code BUSYGROUP}, {@code NOGROUP}, {@code MOVED}, ...):
     * the reply's type and its code, the first word Redis sends, not words found somewhere in an exception's text.
     */
    public static boolean isError(Throwable failure, String code) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.vertx.redis.client.impl.types.ErrorType error) {
                return error.is(code);
            }
        }
        return false;
    }

    public static Map<String, String> asMap(Response reply) {
        Map<String, String> map = new LinkedHashMap<>();
        if (reply == null || reply.size() == 0) {
            return map;
        }
        try {
            for (String key : reply.getKeys()) {
                Response value = reply.get(key);
                map.put(key, value == null ? null : value.toString());
            }
        } catch (RuntimeException notAMap) {
            map.clear();
        }
        if (map.isEmpty()) {
            for (int i = 0; i + 1 < reply.size(); i += 2) {
                map.put(reply.get(i).toString(), reply.get(i + 1).toString());
            }
        }
        return map;
    }
}
