package dev.tinyim.shared.wire;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;

import java.util.Map;

/**
 * WebSocket frames to and from JSON text with Jackson's streaming parser and generator (Vert.x's
 * {@link JacksonCodec}), not the data-binding {@code ObjectMapper} behind {@code new JsonObject(text)} and
 * {@code JsonObject.encode()} in Quarkus, which looks up a serializer for every value: those two were 9 % of the
 * gateway's CPU per {@code ping} (async-profiler, docs/history/measurements.md). Same JSON in and out.
 */
public final class FrameCodec {
    private static final JacksonCodec CODEC = new JacksonCodec();

    private FrameCodec() {
    }

    /** A frame's JSON object; anything else (an array, a string, malformed or trailing text) throws {@link DecodeException}. */
    @SuppressWarnings("unchecked")
    public static JsonObject parseObject(String text) {
        Object value = CODEC.fromString(text);
        if (value instanceof JsonObject object) {
            return object;
        }
        if (value instanceof Map<?, ?> map) {
            return new JsonObject((Map<String, Object>) map);
        }
        throw new DecodeException("not a JSON object");
    }

    public static String encode(JsonObject object) {
        return CODEC.toString(object, false);
    }
}
