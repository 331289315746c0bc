package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The command envelope of PROTOCOL.md section 2, written and answered the same way by every connection type. */
public final class CommandFrames {
    private CommandFrames() {
    }

    /** {@code {"type","id","data"}} as text; no data means {@code {}}. */
    public static String command(String type, String id, JsonNode data) {
        ObjectNode frame = TinyImClient.JSON.createObjectNode().put("type", type).put("id", id);
        frame.set("data", data == null ? TinyImClient.JSON.createObjectNode() : data);
        return frame.toString();
    }

    /** A result's data, or its error as a {@link TinyImException} carrying the code. */
    public static JsonNode dataOf(JsonNode result) {
        if (!result.get("ok").asBoolean()) {
            JsonNode error = result.get("error");
            throw new TinyImException(error.get("code").asText(), error.get("message").asText());
        }
        return result.get("data");
    }
}
