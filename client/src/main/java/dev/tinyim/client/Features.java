package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import java.util.ArrayList;
import java.util.List;

/**
 * Typed commands and events of PROTOCOL.md section 7 (presence, typing, read receipts, recall and edit, group
 * administration, blocking, conversation settings) over a {@link ChatSession} or a {@link ReconnectingSession}.
 * Failures are {@link TinyImException}s carrying the protocol's error code.
 */
public final class Features {
    private final CommandChannel channel;

    public Features(CommandChannel channel) {
        this.channel = channel;
    }

    // ---------------------------------------------------------------- the objects

    /** 7.1: a user's presence; {@code lastSeenAt} 0 while online or never seen. */
    public record Presence(String userId, boolean online, List<String> devices, long lastSeenAt) {
        static Presence of(JsonNode p) {
            List<String> devices = new ArrayList<>();
            p.get("devices").forEach(d -> devices.add(d.asText()));
            return new Presence(p.get("userId").asText(), p.get("online").asBoolean(), List.copyOf(devices),
                    p.get("lastSeenAt").asLong());
        }
    }

    /** 7.2: someone typing in a conversation. */
    public record Typing(String conversationId, String userId) {
    }

    /** 7.3: the peer read one's messages up to {@code seq} of one's own timeline. */
    public record PeerRead(String conversationId, String userId, long seq) {
    }

    /** A group as group commands answer it. */
    public record Group(String groupId, String name, String ownerId, int memberCount, long createdAt) {
        static Group of(JsonNode g) {
            return new Group(g.get("groupId").asText(), g.get("name").asText(), g.get("ownerId").asText(),
                    g.get("memberCount").asInt(), g.get("createdAt").asLong());
        }
    }

    /** A profile (user.blocked). */
    public record Profile(String userId, String username, String nickname) {
        static Profile of(JsonNode p) {
            return new Profile(p.get("userId").asText(), p.get("username").asText(), p.get("nickname").asText());
        }
    }

    /** 7.7: a conversation's settings as conv.update and conv.updated carry them (the whole object in {@code raw}). */
    public record ConversationSettings(String conversationId, boolean muted, boolean pinned, JsonNode raw) {
        static ConversationSettings of(JsonNode c) {
            return new ConversationSettings(c.get("conversationId").asText(), c.get("muted").asBoolean(),
                    c.get("pinned").asBoolean(), c);
        }
    }

    // ---------------------------------------------------------------- commands

    /** presence.get: the caller and friends only, 1-200 ids, answered in the order asked. */
    public Uni<List<Presence>> presence(List<String> userIds) {
        ObjectNode data = TinyImClient.JSON.createObjectNode();
        ArrayNode ids = data.putArray("userIds");
        userIds.forEach(ids::add);
        return channel.command("presence.get", data).map(r -> {
            List<Presence> list = new ArrayList<>();
            r.get("presence").forEach(p -> list.add(Presence.of(p)));
            return list;
        });
    }

    public Uni<Void> typing(String conversationId) {
        return channel.command("typing", obj().put("conversationId", conversationId)).replaceWithVoid();
    }

    /** msg.recall: a retry answers the same. */
    public Uni<Void> recall(String msgId) {
        return channel.command("msg.recall", obj().put("msgId", msgId)).replaceWithVoid();
    }

    /** msg.edit: the message's editedAt (epoch ms). */
    public Uni<Long> edit(String msgId, String text) {
        return channel.command("msg.edit", obj().put("msgId", msgId).put("text", text)).map(r -> r.get("editedAt").asLong());
    }

    public Uni<Group> renameGroup(String groupId, String name) {
        return channel.command("group.update", obj().put("groupId", groupId).put("name", name)).map(r -> Group.of(r.get("group")));
    }

    public Uni<Void> removeMember(String groupId, String userId) {
        return channel.command("group.remove", obj().put("groupId", groupId).put("userId", userId)).replaceWithVoid();
    }

    public Uni<Group> transferGroup(String groupId, String userId) {
        return channel.command("group.transfer", obj().put("groupId", groupId).put("userId", userId)).map(r -> Group.of(r.get("group")));
    }

    public Uni<Void> block(String userId) {
        return channel.command("user.block", obj().put("userId", userId)).replaceWithVoid();
    }

    public Uni<Void> unblock(String userId) {
        return channel.command("user.unblock", obj().put("userId", userId)).replaceWithVoid();
    }

    public Uni<List<Profile>> blocked() {
        return channel.command("user.blocked", obj()).map(r -> {
            List<Profile> list = new ArrayList<>();
            r.get("users").forEach(u -> list.add(Profile.of(u)));
            return list;
        });
    }

    /** conv.update: null leaves a setting as it is (at least one must be given). */
    public Uni<ConversationSettings> updateConversation(String conversationId, Boolean muted, Boolean pinned) {
        ObjectNode data = obj().put("conversationId", conversationId);
        if (muted != null) {
            data.put("muted", muted);
        }
        if (pinned != null) {
            data.put("pinned", pinned);
        }
        return channel.command("conv.update", data).map(ConversationSettings::of);
    }

    // ---------------------------------------------------------------- events

    public Multi<Presence> presenceEvents() {
        return dataOf("presence").map(Presence::of);
    }

    public Multi<Typing> typingEvents() {
        return dataOf("typing").map(d -> new Typing(d.get("conversationId").asText(), d.get("userId").asText()));
    }

    public Multi<PeerRead> peerReads() {
        return dataOf("conv.peer_read").map(d -> new PeerRead(d.get("conversationId").asText(), d.get("userId").asText(),
                d.get("seq").asLong()));
    }

    public Multi<ConversationSettings> conversationUpdates() {
        return dataOf("conv.updated").map(ConversationSettings::of);
    }

    private Multi<JsonNode> dataOf(String type) {
        return channel.events().filter(e -> type.equals(e.path("type").asText())).map(e -> e.get("data"));
    }

    private static ObjectNode obj() {
        return TinyImClient.JSON.createObjectNode();
    }
}
