package dev.tinyim.shared.wire;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The streaming codec reads and writes what {@code new JsonObject(text)} and {@code encode()} did, and refuses the same. */
class FrameCodecTest {

    @Test
    void aFrameReadsAsTheDataBindingCodecReadsIt() {
        String text = "{\"type\":\"msg.send\",\"id\":\"c1\",\"data\":{\"to\":{\"type\":\"user\",\"id\":\"42\"},"
                + "\"seq\":9007199254740993,\"n\":7,\"x\":1.5,\"ok\":true,\"none\":null,\"list\":[1,\"a\",{\"k\":\"v\"}],"
                + "\"text\":\"h\\u00e9llo \\\"quoted\\\" \\ud83d\\ude00\"}}";
        JsonObject streamed = FrameCodec.parseObject(text);
        JsonObject bound = new JsonObject(text);
        assertEquals(bound, streamed);
        JsonObject data = streamed.getJsonObject("data");
        assertEquals("42", data.getJsonObject("to").getString("id"));
        assertEquals(9007199254740993L, data.getLong("seq"));
        assertEquals(Integer.class, data.getValue("n").getClass(), "small integers stay Integer, as before");
        assertEquals(1.5, data.getDouble("x"));
        assertTrue(data.containsKey("none"));
        assertEquals("héllo \"quoted\" 😀", data.getString("text"));
        assertEquals(new JsonObject().put("k", "v"), data.getJsonArray("list").getJsonObject(2));
    }

    @Test
    void anythingButOneObjectIsRefused() {
        for (String bad : List.of("[1,2]", "\"text\"", "42", "{\"a\":", "{\"a\":1} trailing", "not json", "", "{'a':1}")) {
            assertThrows(DecodeException.class, () -> FrameCodec.parseObject(bad), bad);
        }
    }

    @Test
    void aFrameIsWrittenAsEncodeWroteIt() {
        JsonObject frame = new JsonObject().put("type", "result").put("id", "c1").put("ok", true)
                .put("data", new JsonObject().put("msgId", "123").put("seq", 9007199254740993L).put("x", 0.25)
                        .put("text", "line\nbreak \"q\" é 😀 <script>").putNull("gone")
                        .put("list", new JsonArray().add(1).add("b").add(new JsonObject())));
        assertEquals(frame.encode(), FrameCodec.encode(frame));
        assertEquals(frame, new JsonObject(FrameCodec.encode(frame)));
    }
}
