package dev.tinyim.gateway.ws;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FramesTest {

    /** The written pong is the JSON the general encoder gives, whatever characters the client's id holds. */
    @Test
    void pongIsTheEncodedResult() {
        String[] ids = {"p1", "a\"b", "back\\slash", "line\nbreak\ttab", "ctl\u0001\u001f", "slash/ok", "ünï€😀", "x".repeat(64)};
        for (String id : ids) {
            long now = 1_733_400_000_123L;
            String written = Frames.pong(id, now);
            assertEquals(Frames.ok(id, new JsonObject().put("serverTime", now)), written, id);
            JsonObject parsed = new JsonObject(written);
            assertEquals(id, parsed.getString("id"));
            assertEquals(now, parsed.getJsonObject("data").getLong("serverTime"));
        }
    }
}
