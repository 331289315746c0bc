package dev.tinyim.chat.wire;

import dev.tinyim.chat.timeline.ConversationView;
import dev.tinyim.chat.timeline.Peer;
import dev.tinyim.chat.timeline.StoredMessage;
import dev.tinyim.proto.chat.v1.Conversation;
import dev.tinyim.proto.chat.v1.EditContent;
import dev.tinyim.proto.chat.v1.Message;
import dev.tinyim.proto.chat.v1.PeerType;
import dev.tinyim.proto.chat.v1.RecallContent;
import dev.tinyim.proto.chat.v1.RecalledContent;
import dev.tinyim.proto.chat.v1.SystemContent;
import dev.tinyim.proto.chat.v1.TextContent;

import java.util.List;

/**
 * Chat's domain records as the contract's messages ({@code proto/chat.proto}), both ways for peers: for the gRPC
 * adapter, and for the frames chat pushes (encoded by the shared {@code WireJson}).
 */
public final class Protos {
    private Protos() {
    }

    public static dev.tinyim.proto.chat.v1.Peer peer(Peer p) {
        return dev.tinyim.proto.chat.v1.Peer.newBuilder()
                .setType(p.isGroup() ? PeerType.PEER_TYPE_GROUP : PeerType.PEER_TYPE_USER).setId(p.id()).build();
    }

    /** A request's peer; a type that names neither a user nor a group is {@code NONE} (chat refuses it). */
    public static Peer peer(dev.tinyim.proto.chat.v1.Peer p) {
        return new Peer(switch (p.getType()) {
            case PEER_TYPE_USER -> Peer.Kind.USER;
            case PEER_TYPE_GROUP -> Peer.Kind.GROUP;
            default -> Peer.Kind.NONE;
        }, p.getId());
    }

    public static Message message(StoredMessage m) {
        Message.Builder b = Message.newBuilder().setSeq(m.seq()).setMsgId(m.msgId()).setConversationId(m.conversationId())
                .setFrom(m.from()).setTo(peer(m.to())).setSentAt(m.sentAt())
                .setClientMsgId(m.clientMsgId()).setEditedAt(m.editedAt());
        switch (m.content()) {
            case StoredMessage.Text t -> b.setText(TextContent.newBuilder().setText(t.text()));
            case StoredMessage.SystemEvent s -> b.setSystem(SystemContent.newBuilder().setEvent(s.event())
                    .setUserId(s.userId()).setName(s.name()));
            case StoredMessage.Recall r -> b.setRecall(RecallContent.newBuilder().setMsgId(r.msgId()));
            case StoredMessage.Edit e -> b.setEdit(EditContent.newBuilder().setMsgId(e.msgId()).setText(e.text()));
            case StoredMessage.Recalled r -> b.setRecalled(RecalledContent.getDefaultInstance());
        }
        return b.build();
    }

    public static List<Message> messages(List<StoredMessage> messages) {
        return messages.stream().map(Protos::message).toList();
    }

    public static List<Conversation> conversations(List<ConversationView> conversations) {
        return conversations.stream().map(Protos::conversation).toList();
    }

    public static Conversation conversation(ConversationView c) {
        Conversation.Builder b = Conversation.newBuilder().setConversationId(c.conversationId()).setPeer(peer(c.peer()))
                .setReadSeq(c.readSeq()).setUnread(c.unread()).setMuted(c.muted()).setPinned(c.pinned());
        if (c.lastMessage() != null) {
            b.setLastMessage(message(c.lastMessage()));
        }
        if (!c.peer().isGroup()) {
            b.setPeerReadSeq(c.peerReadSeq());
        }
        return b.build();
    }
}
