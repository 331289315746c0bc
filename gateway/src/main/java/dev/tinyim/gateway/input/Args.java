package dev.tinyim.gateway.input;

import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.error.ProtocolException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Typed reads of client JSON (command data, REST bodies); anything missing or of the wrong type is a
 * bad_request.
 */
public final class Args {
    private Args() {
    }

    public static ProtocolException bad(String message) {
        return new ProtocolException(ErrorCode.BAD_REQUEST, message);
    }

    /** An id: a decimal string of a positive 64-bit integer (a JSON integer is accepted too). */
    public static long id(JsonObject data, String field) {
        return parseId(data.getValue(field), field);
    }

    public static long parseId(Object value, String field) {
        try {
            long id;
            if (value instanceof String s && decimal(s)) {
                id = Long.parseLong(s);
            } else if (value instanceof Integer || value instanceof Long) {
                id = ((Number) value).longValue();
            } else {
                throw bad(field + " must be an id string");
            }
            if (id <= 0) {
                throw bad(field + " must be a positive id");
            }
            return id;
        } catch (NumberFormatException e) {
            throw bad(field + " is out of range");
        }
    }

    /** 1 to 19 ASCII digits (without {@code String.matches}, which compiled a pattern on every command). */
    private static boolean decimal(String s) {
        int n = s.length();
        if (n < 1 || n > 19) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    public static String string(JsonObject data, String field) {
        String value = optionalString(data, field, null);
        if (value == null) {
            throw bad(field + " is required");
        }
        return value;
    }

    public static String optionalString(JsonObject data, String field, String fallback) {
        Object value = data.getValue(field);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof String s)) {
            throw bad(field + " must be a string");
        }
        return s;
    }

    /** A boolean, or null when absent (JSON null counts as absent). */
    public static Boolean optionalBoolean(JsonObject data, String field) {
        Object value = data.getValue(field);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Boolean b)) {
            throw bad(field + " must be true or false");
        }
        return b;
    }

    /** A non-negative integer, or the fallback when absent. */
    public static long number(JsonObject data, String field, long fallback) {
        Object value = data.getValue(field);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Integer || value instanceof Long)) {
            throw bad(field + " must be an integer");
        }
        long n = ((Number) value).longValue();
        if (n < 0) {
            throw bad(field + " must not be negative");
        }
        return n;
    }

    public static int limit(JsonObject data, int fallback) {
        long n = number(data, "limit", fallback);
        if (n < 1 || n > 500) {
            throw bad("limit must be 1-500");
        }
        return (int) n;
    }

    public static List<Long> ids(JsonObject data, String field) {
        Object value = data.getValue(field);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof JsonArray array)) {
            throw bad(field + " must be an array of ids");
        }
        if (array.size() > 1000) {
            throw bad(field + " is too long");
        }
        List<Long> ids = new ArrayList<>(array.size());
        for (Object item : array) {
            ids.add(parseId(item, field));
        }
        return ids;
    }

    /** A request body that must be a JSON object. */
    /** REST bodies are JSON objects of at most 64 KiB, like WebSocket frames. */
    public static final int MAX_BODY = 64 * 1024;

    public static JsonObject body(String text) {
        if (text == null || text.isBlank()) {
            throw bad("a JSON body is required");
        }
        if (text.length() > MAX_BODY || text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_BODY) {
            throw new ProtocolException(ErrorCode.TOO_LARGE, "request body is larger than 64 KiB");
        }
        try {
            return new JsonObject(text);
        } catch (io.vertx.core.json.DecodeException | ClassCastException e) {
            throw bad("body is not a JSON object");
        }
    }

    public static JsonObject object(JsonObject data, String field) {
        Object value = data.getValue(field);
        if (!(value instanceof JsonObject o)) {
            throw bad(field + " must be an object");
        }
        return o;
    }
}
