package dev.tinyim.chat.timeline;

import dev.tinyim.proto.chat.v1.Message;
import dev.tinyim.proto.chat.v1.Peer;
import dev.tinyim.proto.chat.v1.SystemContent;
import dev.tinyim.proto.chat.v1.TextContent;

/**
 * A message about to enter timelines. {@code senderId} 0 marks a system message; {@code clientMsgId} is then
 * the event id that makes it idempotent.
 */
public record NewMessage(long senderId, String clientMsgId, String conversationId, Peer to, boolean system,
                         String body, long subjectId) {

    public static NewMessage text(long senderId, String clientMsgId, String conversationId, Peer to, String text) {
        return new NewMessage(senderId, clientMsgId, conversationId, to, false, text, 0);
    }

    /** A system message; {@code name} (group_renamed) is kept in the body after the event and a newline. */
    public static NewMessage system(String eventId, String conversationId, Peer to, String event, long subjectId, String name) {
        return new NewMessage(0, eventId, conversationId, to, true, name.isEmpty() ? event : event + "\n" + name, subjectId);
    }

    /** The message as one recipient sees it, at that recipient's seq. */
    public Message at(long msgId, long seq, long sentAt) {
        Message.Builder b = Message.newBuilder().setSeq(seq).setMsgId(msgId).setConversationId(conversationId)
                .setFrom(senderId).setTo(to).setSentAt(sentAt);
        if (system) {
            b.setSystem(MessageRows.system(body, subjectId));
        } else {
            b.setClientMsgId(clientMsgId).setText(TextContent.newBuilder().setText(body));
        }
        return b.build();
    }
}
