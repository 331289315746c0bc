package dev.tinyim.gateway.ws;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.wire.FrameCodec;
import io.vertx.core.json.JsonObject;

/** Result frames of PROTOCOL.md section 2: exactly one per command, carrying the command's id. */
public final class Frames {
    private Frames() {
    }

    public static String ok(String id, JsonObject data) {
        return FrameCodec.encode(new JsonObject().put("type", "result").put("id", id).put("ok", true)
                .put("data", data == null ? new JsonObject() : data));
    }

    /**
     * The result of a {@code ping}, {@code {"serverTime":...}}: the same JSON as
     * {@code ok(id, new JsonObject().put("serverTime", serverTime))}, written directly. The heartbeat is the most
     * frequent frame of a server whose clients are idle; building and encoding two JsonObjects for it was a tenth of
     * the gateway's Java work per ping (docs/history/measurements.md).
     */
    public static String pong(String id, long serverTime) {
        StringBuilder out = new StringBuilder(80 + id.length()).append("{\"type\":\"result\",\"id\":\"");
        JsonStringEncoder.getInstance().quoteAsString(id, out);
        return out.append("\",\"ok\":true,\"data\":{\"serverTime\":").append(serverTime).append("}}").toString();
    }

    public static String error(String id, ErrorCode code, String message) {
        return FrameCodec.encode(new JsonObject().put("type", "result").put("id", id).put("ok", false)
                .put("error", new JsonObject().put("code", code.wire()).put("message", message)));
    }
}
