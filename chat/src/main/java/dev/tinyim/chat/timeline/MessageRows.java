package dev.tinyim.chat.timeline;

import io.vertx.mutiny.sqlclient.Row;

/** Maps the messages table (joined with a timeline seq) to {@link StoredMessage}. */
public final class MessageRows {
    public static final int TO_USER = 1;
    public static final int TO_GROUP = 2;
    public static final int TEXT = 1;
    public static final int SYSTEM = 2;
    /** PROTOCOL.md 7.4: the timeline entry of a recall (subject_id: the recalled message). */
    public static final int RECALL = 3;
    /** PROTOCOL.md 7.4: the timeline entry of an edit (body: the new text; subject_id: the edited message). */
    public static final int EDIT = 4;

    /** Columns of messages m, plus the seq under alias "seq". */
    public static final String COLUMNS = "m.msg_id, m.sender_id, m.client_msg_id, m.conversation_id, m.to_type, m.to_id, "
            + "m.content_type, m.body, m.subject_id, m.sent_at, m.edited_at, m.recalled";

    private MessageRows() {
    }

    /** The to_type / peer_type column value of a peer type. */
    public static int peerType(Peer peer) {
        return peer.isGroup() ? TO_GROUP : TO_USER;
    }

    /** A system message's content from its body: the event, then a newline and the name where it has one. */
    public static StoredMessage.SystemEvent system(String body, long subjectId) {
        int newline = body.indexOf('\n');
        return newline < 0 ? new StoredMessage.SystemEvent(body, subjectId, "")
                : new StoredMessage.SystemEvent(body.substring(0, newline), subjectId, body.substring(newline + 1));
    }

    /** The peer a message went to, from its to_type and to_id columns. */
    public static Peer peer(int toType, long toId) {
        return toType == TO_GROUP ? Peer.group(toId) : Peer.user(toId);
    }

    public static StoredMessage message(Row row, long seq) {
        long subject = row.getLong("subject_id");
        String clientMsgId = "";
        long editedAt = 0;
        StoredMessage.Content content = switch (row.getInteger("content_type")) {
            case SYSTEM -> system(row.getString("body"), subject);
            case RECALL -> new StoredMessage.Recall(subject);
            case EDIT -> new StoredMessage.Edit(subject, row.getString("body"));
            default -> null;
        };
        if (content == null) {
            clientMsgId = row.getString("client_msg_id");
            editedAt = row.getLong("edited_at");
            content = row.getInteger("recalled") != 0 ? new StoredMessage.Recalled() : new StoredMessage.Text(row.getString("body"));
        }
        return new StoredMessage(seq, row.getLong("msg_id"), row.getString("conversation_id"), row.getLong("sender_id"),
                peer(row.getInteger("to_type"), row.getLong("to_id")), row.getLong("sent_at"), clientMsgId, editedAt, content);
    }
}
