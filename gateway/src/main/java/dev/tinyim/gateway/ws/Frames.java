package dev.tinyim.gateway.ws;

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

    public static String error(String id, ErrorCode code, String message) {
        return FrameCodec.encode(new JsonObject().put("type", "result").put("id", id).put("ok", false)
                .put("error", new JsonObject().put("code", code.wire()).put("message", message)));
    }
}
