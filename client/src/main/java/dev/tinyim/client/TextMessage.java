package dev.tinyim.client;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** The data of a text {@code msg.send} (PROTOCOL.md section 3). */
public final class TextMessage {
    private TextMessage() {
    }

    /** {@code toType} is {@code user} or {@code group}; ids are decimal strings. */
    public static ObjectNode to(String toType, String toId, String clientMsgId, String text) {
        ObjectNode data = TinyImClient.JSON.createObjectNode().put("clientMsgId", clientMsgId);
        data.putObject("to").put("type", toType).put("id", toId);
        data.putObject("content").put("type", "text").put("text", text);
        return data;
    }
}
