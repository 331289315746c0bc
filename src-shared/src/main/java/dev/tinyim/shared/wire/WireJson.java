package dev.tinyim.shared.wire;

import dev.tinyim.proto.chat.v1.Conversation;
import dev.tinyim.proto.chat.v1.Message;
import dev.tinyim.proto.chat.v1.Peer;
import dev.tinyim.proto.chat.v1.PeerType;
import dev.tinyim.proto.relation.v1.Friend;
import dev.tinyim.proto.relation.v1.FriendRequest;
import dev.tinyim.proto.relation.v1.Group;
import dev.tinyim.proto.relation.v1.Profile;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.function.Function;

/**
 * The objects of PROTOCOL.md section 4 as JSON, built from the gRPC messages. The gateway uses it for results,
 * the services for the events they push, so a message looks the same whichever way it reaches a client.
 * Ids are decimal strings; seqs and timestamps are numbers.
 */
public final class WireJson {
    private WireJson() {
    }

    public static String id(long id) {
        return Long.toString(id);
    }

    public static JsonObject profile(Profile p) {
        return new JsonObject().put("userId", id(p.getUserId())).put("username", p.getUsername())
                .put("nickname", p.getNickname());
    }

    public static JsonObject friend(Friend f) {
        return profile(f.getProfile()).put("since", f.getSince());
    }

    public static JsonObject request(FriendRequest r) {
        return new JsonObject().put("requestId", id(r.getRequestId())).put("from", profile(r.getFrom()))
                .put("to", profile(r.getTo())).put("remark", r.getRemark()).put("createdAt", r.getCreatedAt());
    }

    public static JsonObject group(Group g) {
        return new JsonObject().put("groupId", id(g.getGroupId())).put("name", g.getName())
                .put("ownerId", id(g.getOwnerId())).put("memberCount", g.getMemberCount())
                .put("createdAt", g.getCreatedAt());
    }

    /** PROTOCOL.md 7.1 presence: {"userId","online","devices","lastSeenAt"}. */
    public static JsonObject presence(dev.tinyim.proto.relation.v1.Presence p) {
        return new JsonObject().put("userId", id(p.getUserId())).put("online", p.getOnline())
                .put("devices", new JsonArray(new java.util.ArrayList<Object>(p.getDevicesList())))
                .put("lastSeenAt", p.getLastSeenAt());
    }

    public static JsonObject peer(Peer p) {
        return new JsonObject().put("type", p.getType() == PeerType.PEER_TYPE_GROUP ? "group" : "user")
                .put("id", id(p.getId()));
    }

    public static JsonObject message(Message m) {
        JsonObject content = switch (m.getContentCase()) {
            case SYSTEM -> system(m.getSystem());
            case RECALLED -> new JsonObject().put("type", "recalled");
            case RECALL -> new JsonObject().put("type", "recall").put("msgId", id(m.getRecall().getMsgId()));
            case EDIT -> new JsonObject().put("type", "edit").put("msgId", id(m.getEdit().getMsgId()))
                    .put("text", m.getEdit().getText());
            default -> new JsonObject().put("type", "text").put("text", m.getText().getText());
        };
        JsonObject json = new JsonObject().put("seq", m.getSeq()).put("msgId", id(m.getMsgId()));
        if (!m.getClientMsgId().isEmpty()) {
            json.put("clientMsgId", m.getClientMsgId());
        }
        json.put("conversationId", m.getConversationId()).put("from", id(m.getFrom()))
                .put("to", peer(m.getTo())).put("content", content).put("sentAt", m.getSentAt());
        if (m.getEditedAt() > 0) {
            json.put("editedAt", m.getEditedAt());
        }
        return json;
    }

    /** A system message's content; group_renamed carries the new name. */
    private static JsonObject system(dev.tinyim.proto.chat.v1.SystemContent s) {
        JsonObject content = new JsonObject().put("type", "system").put("event", s.getEvent()).put("userId", id(s.getUserId()));
        return s.getName().isEmpty() ? content : content.put("name", s.getName());
    }

    public static JsonObject conversation(Conversation c) {
        JsonObject json = new JsonObject().put("conversationId", c.getConversationId()).put("peer", peer(c.getPeer()));
        json.put("lastMessage", c.hasLastMessage() ? message(c.getLastMessage()) : null);
        json.put("readSeq", c.getReadSeq()).put("unread", c.getUnread()).put("muted", c.getMuted())
                .put("pinned", c.getPinned());
        if (c.hasPeerReadSeq()) {
            json.put("peerReadSeq", c.getPeerReadSeq());
        }
        return json;
    }

    public static <T> JsonArray array(List<T> items, Function<T, JsonObject> mapper) {
        JsonArray array = new JsonArray();
        items.forEach(item -> array.add(mapper.apply(item)));
        return array;
    }

    /** A server event frame: {"type": type, "data": data}. */
    public static String event(Event type, JsonObject data) {
        return FrameCodec.encode(new JsonObject().put("type", type.wire()).put("data", data));
    }
}
