package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/** PROTOCOL.md 7.2: typing goes to the other party or the other online members, throttled, never stored. */
class TypingTest {

    @Test
    void typingReachesEveryConnectionOfTheOtherPartyOnceEveryTwoSeconds() {
        Friends f = friendsAcrossGateways("typist");
        ChatSession otherDevice = connectKept(login(f.b().username(), "mobile"), 0);
        String conv = pairConversation(f.a(), f.b());
        long maxSeqBefore = cmd(f.as(), "msg.sync", obj().put("afterSeq", 0)).get("maxSeq").asLong();

        assertTrue(cmd(f.as(), "typing", obj().put("conversationId", conv)).isEmpty(), "the result is {}");
        for (ChatSession s : List.of(f.bs(), otherDevice)) {
            JsonNode data = awaitEvent(s, "typing").get("data");
            assertEquals(conv, data.get("conversationId").asText());
            assertEquals(f.a().id(), data.get("userId").asText());
        }
        // within 2 s: answered, not forwarded
        assertTrue(cmd(f.as(), "typing", obj().put("conversationId", conv)).isEmpty());
        sleep(800);
        assertEquals(1, eventCount(f.bs(), "typing"), "one event per sender and conversation every 2 s");
        assertEquals(0, eventCount(f.as(), "typing"), "the typist gets no event of its own");
        // the other way round is its own sender and conversation
        cmd(f.bs(), "typing", obj().put("conversationId", conv));
        awaitEvent(f.as(), "typing");

        sleep(1400); // 2.2 s after the first forwarded one
        cmd(f.as(), "typing", obj().put("conversationId", conv));
        assertEquals(2, awaitEvents(f.bs(), "typing", 2).size());
        assertEquals(maxSeqBefore, cmd(f.as(), "msg.sync", obj().put("afterSeq", 0)).get("maxSeq").asLong(), "not stored");
        assertEquals(maxSeqBefore, cmd(f.bs(), "msg.sync", obj().put("afterSeq", 0)).get("maxSeq").asLong(), "not stored");
    }

    @Test
    void groupTypingReachesTheOtherOnlineMembersOnly() {
        User owner = newUser("gtypist");
        User member = newUser("gtypist");
        User outsider = newUser("gtypist");
        ChatSession os = connectKept(owner, 0);
        ChatSession ms = connectKept(member, 1);
        ChatSession xs = connectKept(outsider, 1);
        String groupId = cmd(os, "group.create", obj().put("name", "typing")).get("group").get("groupId").asText();
        cmd(ms, "group.join", obj().put("groupId", groupId));
        String conv = "g:" + groupId;

        cmd(ms, "typing", obj().put("conversationId", conv));
        JsonNode data = awaitEvent(os, "typing").get("data");
        assertEquals(conv, data.get("conversationId").asText());
        assertEquals(member.id(), data.get("userId").asText());
        assertEquals("forbidden", errorOf(xs, "typing", obj().put("conversationId", conv)), "not a member");
        assertEquals("forbidden", errorOf(xs, "typing", obj().put("conversationId", "g:999999999")), "no such group");
        sleep(500);
        assertEquals(0, eventCount(ms, "typing"));
        assertEquals(0, eventCount(xs, "typing"));

        cmd(ms, "group.leave", obj().put("groupId", groupId));
        assertEquals("forbidden", errorOf(ms, "typing", obj().put("conversationId", conv)), "no longer a member");
    }

    @Test
    void typingIsRefusedOutsideTheCallersConversations() {
        Friends f = friendsAcrossGateways("typist");
        User stranger = newUser("typist");
        ChatSession xs = connectKept(stranger, 0);
        String conv = pairConversation(f.a(), f.b());

        assertEquals("forbidden", errorOf(xs, "typing", obj().put("conversationId", conv)), "someone else's pair");
        assertEquals("forbidden", errorOf(xs, "typing", obj().put("conversationId", pairConversation(stranger, f.a()))),
                "not friends");
        assertEquals("bad_request", errorOf(f.as(), "typing", obj()));
        assertEquals("bad_request", errorOf(f.as(), "typing", obj().put("conversationId", "p:2:1")));
        assertEquals("bad_request", errorOf(f.as(), "typing", obj().put("conversationId", 42)));
        sleep(300);
        assertEquals(0, eventCount(f.as(), "typing"));

        cmd(f.as(), "friend.remove", obj().put("userId", f.b().id()));
        assertEquals("forbidden", errorOf(f.bs(), "typing", obj().put("conversationId", conv)), "no longer friends");
        sleep(300);
        assertEquals(0, eventCount(f.as(), "typing"));
    }
}
