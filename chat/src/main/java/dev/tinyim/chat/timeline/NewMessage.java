package dev.tinyim.chat.timeline;

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
    public StoredMessage at(long msgId, long seq, long sentAt) {
        return system ? new StoredMessage(seq, msgId, conversationId, senderId, to, sentAt, "", 0, MessageRows.system(body, subjectId))
                : new StoredMessage(seq, msgId, conversationId, senderId, to, sentAt, clientMsgId, 0, new StoredMessage.Text(body));
    }
}
