package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/** PROTOCOL.md 7.5: group.update, group.remove, group.transfer, the owner-leave rule and their system messages. */
class GroupAdminTest {

    record Group(String id, User owner, User member, ChatSession os, ChatSession ms) {
        String conversation() {
            return "g:" + id;
        }
    }

    static Group groupOfTwo(String prefix) {
        User owner = newUser(prefix);
        User member = newUser(prefix);
        ChatSession os = connectKept(owner, 0);
        ChatSession ms = connectKept(member, 1);
        String id = cmd(os, "group.create", obj().put("name", "admins")).get("group").get("groupId").asText();
        cmd(ms, "group.join", obj().put("groupId", id));
        awaitSystem(ms, "g:" + id, "member_joined", 1);
        return new Group(id, owner, member, os, ms);
    }

    /** The system messages of one event in a conversation of the user's timeline, waiting for {@code count}. */
    static List<JsonNode> awaitSystem(ChatSession s, String conversationId, String event, int count) {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        List<JsonNode> found;
        do {
            found = syncAll(s, 0).stream().filter(m -> conversationId.equals(m.get("conversationId").asText())
                    && "system".equals(m.get("content").get("type").asText())
                    && event.equals(m.get("content").get("event").asText())).toList();
            if (found.size() >= count) {
                return found;
            }
            sleep(100);
        } while (System.currentTimeMillis() < deadline);
        throw new AssertionError("expected " + count + " " + event + " messages in " + conversationId + ", got " + found.size());
    }

    static long systemCount(ChatSession s, String conversationId) {
        return syncAll(s, 0).stream().filter(m -> conversationId.equals(m.get("conversationId").asText())
                && "system".equals(m.get("content").get("type").asText())).count();
    }

    @Test
    void theOwnerRenamesTheGroupAndEveryMemberIsTold() {
        Group g = groupOfTwo("rename");
        JsonNode renamed = cmd(g.os(), "group.update", obj().put("groupId", g.id()).put("name", "renamed")).get("group");
        assertEquals("renamed", renamed.get("name").asText());
        assertEquals(g.owner().id(), renamed.get("ownerId").asText());
        assertEquals(2, renamed.get("memberCount").asInt());
        for (ChatSession s : List.of(g.os(), g.ms())) {
            JsonNode content = awaitSystem(s, g.conversation(), "group_renamed", 1).get(0).get("content");
            assertEquals("renamed", content.get("name").asText());
            assertEquals(g.owner().id(), content.get("userId").asText(), "who renamed it");
        }
        assertEquals("renamed", cmd(g.ms(), "group.list", obj()).get("groups").get(0).get("name").asText());
        JsonNode pushed = awaitEvents(g.ms(), "msg", 2).get(1).get("data");
        assertEquals("group_renamed", pushed.get("content").get("event").asText(), "pushed like any message");

        long before = systemCount(g.ms(), g.conversation());
        cmd(g.os(), "group.update", obj().put("groupId", g.id()).put("name", "renamed"));
        assertEquals("forbidden", errorOf(g.ms(), "group.update", obj().put("groupId", g.id()).put("name", "mine")));
        assertEquals("bad_request", errorOf(g.os(), "group.update", obj().put("groupId", g.id()).put("name", "")));
        assertEquals("bad_request", errorOf(g.os(), "group.update", obj().put("groupId", g.id()).put("name", "x".repeat(65))));
        assertEquals("bad_request", errorOf(g.os(), "group.update", obj().put("groupId", g.id())));
        assertEquals("not_found", errorOf(g.os(), "group.update", obj().put("groupId", "999999999999").put("name", "x")));
        sleep(1_500); // the outbox drains within a second
        assertEquals(before, systemCount(g.ms(), g.conversation()), "the same name again and refused renames tell no one");
        assertEquals("renamed", cmd(g.os(), "group.list", obj()).get("groups").get(0).get("name").asText());
    }

    @Test
    void theOwnerRemovesAMemberWhoseLastEntryOfTheGroupSaysSo() {
        Group g = groupOfTwo("remove");
        User third = newUser("remove");
        ChatSession ts = connectKept(third, 0);
        cmd(ts, "group.join", obj().put("groupId", g.id()));
        assertEquals("forbidden", errorOf(ts, "group.remove", obj().put("groupId", g.id()).put("userId", g.member().id())),
                "not the owner");
        assertEquals("bad_request", errorOf(g.os(), "group.remove", obj().put("groupId", g.id()).put("userId", g.owner().id())));
        assertEquals("not_found", errorOf(g.os(), "group.remove", obj().put("groupId", "999999999999").put("userId", g.member().id())));
        assertEquals("not_found", errorOf(g.os(), "group.remove", obj().put("groupId", g.id()).put("userId", "999999999999")));

        assertTrue(cmd(g.os(), "group.remove", obj().put("groupId", g.id()).put("userId", g.member().id())).isEmpty());
        for (ChatSession s : List.of(g.os(), g.ms(), ts)) {
            JsonNode content = awaitSystem(s, g.conversation(), "member_removed", 1).get(0).get("content");
            assertEquals(g.member().id(), content.get("userId").asText());
        }
        List<JsonNode> removedTimeline = syncAll(g.ms(), 0).stream()
                .filter(m -> g.conversation().equals(m.get("conversationId").asText())).toList();
        assertEquals("member_removed", removedTimeline.get(removedTimeline.size() - 1).get("content").get("event").asText());
        assertEquals("forbidden", errorOf(g.ms(), "msg.send", sendData("group", g.id(), "after-removal", "hi")));
        assertEquals("forbidden", errorOf(g.ms(), "group.members", obj().put("groupId", g.id())));
        assertEquals(2, cmd(g.os(), "group.members", obj().put("groupId", g.id())).get("members").size());
        send(g.os(), "group", g.id(), "after-removal", "only for those left");
        sleep(500);
        assertEquals(removedTimeline.size(), syncAll(g.ms(), 0).stream()
                .filter(m -> g.conversation().equals(m.get("conversationId").asText())).count(), "nothing more reaches them");
        assertEquals("not_found", errorOf(g.os(), "group.remove", obj().put("groupId", g.id()).put("userId", g.member().id())),
                "no longer a member");
        cmd(g.ms(), "group.join", obj().put("groupId", g.id()));
        assertEquals(3, cmd(g.os(), "group.members", obj().put("groupId", g.id())).get("members").size(), "may join again");
    }

    @Test
    void theOwnerHandsTheGroupOver() {
        Group g = groupOfTwo("transfer");
        User outsider = newUser("transfer");
        assertEquals("bad_request", errorOf(g.os(), "group.transfer", obj().put("groupId", g.id()).put("userId", g.owner().id())));
        assertEquals("forbidden", errorOf(g.os(), "group.transfer", obj().put("groupId", g.id()).put("userId", outsider.id())),
                "the new owner must be a member");
        assertEquals("forbidden", errorOf(g.ms(), "group.transfer", obj().put("groupId", g.id()).put("userId", g.member().id() + "0")),
                "not the owner");
        assertEquals("not_found", errorOf(g.os(), "group.transfer", obj().put("groupId", "999999999999").put("userId", g.member().id())));

        JsonNode group = cmd(g.os(), "group.transfer", obj().put("groupId", g.id()).put("userId", g.member().id())).get("group");
        assertEquals(g.member().id(), group.get("ownerId").asText());
        for (ChatSession s : List.of(g.os(), g.ms())) {
            JsonNode content = awaitSystem(s, g.conversation(), "owner_changed", 1).get(0).get("content");
            assertEquals(g.member().id(), content.get("userId").asText());
        }
        assertEquals(g.member().id(), cmd(g.os(), "group.list", obj()).get("groups").get(0).get("ownerId").asText());
        assertEquals("forbidden", errorOf(g.os(), "group.update", obj().put("groupId", g.id()).put("name", "old owner")));
        assertEquals("new owner", cmd(g.ms(), "group.update", obj().put("groupId", g.id()).put("name", "new owner"))
                .get("group").get("name").asText());
        assertTrue(cmd(g.os(), "group.leave", obj().put("groupId", g.id())).isEmpty(), "the former owner may leave now");
    }

    @Test
    void theOwnerLeavesLastAndTheGroupIsGone() {
        Group g = groupOfTwo("ownerleave");
        assertEquals("forbidden", errorOf(g.os(), "group.leave", obj().put("groupId", g.id())), "others remain");
        assertEquals(2, cmd(g.os(), "group.members", obj().put("groupId", g.id())).get("members").size(), "nothing changed");
        cmd(g.ms(), "group.leave", obj().put("groupId", g.id()));
        assertTrue(cmd(g.os(), "group.leave", obj().put("groupId", g.id())).isEmpty());
        awaitSystem(g.os(), g.conversation(), "member_left", 2);
        for (String command : List.of("group.members", "group.join", "group.leave")) {
            assertEquals("not_found", errorOf(g.ms(), command, obj().put("groupId", g.id())), command + " on a deleted group");
        }
        assertEquals("not_found", errorOf(g.os(), "group.update", obj().put("groupId", g.id()).put("name", "again")));
        assertEquals(0, cmd(g.os(), "group.list", obj()).get("groups").size());
        assertEquals("not_found", errorOf(g.os(), "msg.send", sendData("group", g.id(), "gone", "anyone?")), "no such group");
    }
}
