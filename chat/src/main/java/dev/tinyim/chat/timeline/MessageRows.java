package dev.tinyim.chat.timeline;

import dev.tinyim.proto.chat.v1.EditContent;
import dev.tinyim.proto.chat.v1.Message;
import dev.tinyim.proto.chat.v1.RecallContent;
import dev.tinyim.proto.chat.v1.RecalledContent;
import dev.tinyim.proto.chat.v1.Peer;
import dev.tinyim.proto.chat.v1.PeerType;
import dev.tinyim.proto.chat.v1.SystemContent;
import dev.tinyim.proto.chat.v1.TextContent;
import io.vertx.mutiny.sqlclient.Row;

/** Maps the messages table (joined with a timeline seq) to the proto message. */
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
    public static int peerType(PeerType type) {
        return type == PeerType.PEER_TYPE_GROUP ? TO_GROUP : TO_USER;
    }

    /** A system message's content from its body: the event, then a newline and the name where it has one. */
    public static SystemContent system(String body, long subjectId) {
        int newline = body.indexOf('\n');
        SystemContent.Builder c = SystemContent.newBuilder().setUserId(subjectId);
        return (newline < 0 ? c.setEvent(body) : c.setEvent(body.substring(0, newline)).setName(body.substring(newline + 1))).build();
    }

    /** The peer a message went to, from its to_type and to_id columns. */
    public static Peer peer(int toType, long toId) {
        return Peer.newBuilder().setType(toType == TO_GROUP ? PeerType.PEER_TYPE_GROUP : PeerType.PEER_TYPE_USER).setId(toId).build();
    }

    public static Message message(Row row, long seq) {
        Message.Builder b = Message.newBuilder()
                .setSeq(seq)
                .setMsgId(row.getLong("msg_id"))
                .setConversationId(row.getString("conversation_id"))
                .setFrom(row.getLong("sender_id"))
                .setTo(peer(row.getInteger("to_type"), row.getLong("to_id")))
                .setSentAt(row.getLong("sent_at"));
        switch (row.getInteger("content_type")) {
            case SYSTEM -> b.setSystem(system(row.getString("body"), row.getLong("subject_id")));
            case RECALL -> b.setRecall(RecallContent.newBuilder().setMsgId(row.getLong("subject_id")));
            case EDIT -> b.setEdit(EditContent.newBuilder().setMsgId(row.getLong("subject_id")).setText(row.getString("body")));
            default -> {
                b.setClientMsgId(row.getString("client_msg_id")).setEditedAt(row.getLong("edited_at"));
                if (row.getInteger("recalled") != 0) {
                    b.setRecalled(RecalledContent.getDefaultInstance());
                } else {
                    b.setText(TextContent.newBuilder().setText(row.getString("body")));
                }
            }
        }
        return b.build();
    }
}
