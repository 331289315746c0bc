package dev.tinyim.chat.timeline;

import dev.tinyim.proto.chat.v1.Message;
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

    /** Columns of messages m, plus the seq under alias "seq". */
    public static final String COLUMNS = "m.msg_id, m.sender_id, m.client_msg_id, m.conversation_id, m.to_type, m.to_id, "
            + "m.content_type, m.body, m.subject_id, m.sent_at";

    private MessageRows() {
    }

    /** The to_type / peer_type column value of a peer type. */
    public static int peerType(PeerType type) {
        return type == PeerType.PEER_TYPE_GROUP ? TO_GROUP : TO_USER;
    }

    public static Message message(Row row, long seq) {
        Message.Builder b = Message.newBuilder()
                .setSeq(seq)
                .setMsgId(row.getLong("msg_id"))
                .setConversationId(row.getString("conversation_id"))
                .setFrom(row.getLong("sender_id"))
                .setTo(Peer.newBuilder().setType(row.getInteger("to_type") == TO_GROUP ? PeerType.PEER_TYPE_GROUP : PeerType.PEER_TYPE_USER)
                        .setId(row.getLong("to_id")))
                .setSentAt(row.getLong("sent_at"));
        if (row.getInteger("content_type") == SYSTEM) {
            b.setSystem(SystemContent.newBuilder().setEvent(row.getString("body")).setUserId(row.getLong("subject_id")));
        } else {
            b.setClientMsgId(row.getString("client_msg_id")).setText(TextContent.newBuilder().setText(row.getString("body")));
        }
        return b.build();
    }
}
