package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/** PROTOCOL.md 7.7: conv.update, muted / pinned on every device, pinned conversations first in conv.list. */
class ConversationSettingsTest {

    private static List<String> order(ChatSession s) {
        List<String> ids = new ArrayList<>();
        cmd(s, "conv.list", obj()).get("conversations").forEach(c -> ids.add(c.get("conversationId").asText()));
        return ids;
    }


    @Test
    void pinnedConversationsComeFirstAndSettingsReachEveryDevice() {
        User me = newUser("pinner");
        ChatSession web = connectKept(me, 0);
        ChatSession phone = connectKept(login(me.username(), "mobile"), 1);
        User old = newUser("pinned");
        User recent = newUser("pinned");
        ChatSession os = connectKept(old, 1);
        ChatSession rs = connectKept(recent, 0);
        befriend(web, old, os);
        befriend(web, recent, rs);
        String oldConv = pairConversation(me, old);
        String recentConv = pairConversation(me, recent);
        send(os, "user", me.id(), "o1", "older");
        send(os, "user", me.id(), "o2", "older again");
        send(rs, "user", me.id(), "r1", "newer");
        JsonNode before = listedConversation(web, oldConv);
        assertFalse(before.get("muted").asBoolean());
        assertFalse(before.get("pinned").asBoolean());
        assertEquals(List.of(recentConv, oldConv), order(web), "most recent first");

        JsonNode pinned = cmd(web, "conv.update", obj().put("conversationId", oldConv).put("pinned", true));
        assertEquals(oldConv, pinned.get("conversationId").asText());
        assertTrue(pinned.get("pinned").asBoolean());
        assertFalse(pinned.get("muted").asBoolean());
        assertEquals(2, pinned.get("unread").asInt());
        assertEquals("older again", pinned.get("lastMessage").get("content").get("text").asText());
        assertEquals(old.id(), pinned.get("peer").get("id").asText());
        JsonNode event = awaitEvent(phone, "conv.updated").get("data");
        assertEquals(pinned, event, "the other device gets the same conversation");
        assertEquals(0, eventCount(web, "conv.updated"));
        assertEquals(List.of(oldConv, recentConv), order(phone), "pinned first, on every device");

        // muting changes only muted, and no count
        JsonNode muted = cmd(phone, "conv.update", obj().put("conversationId", oldConv).put("muted", true));
        assertTrue(muted.get("muted").asBoolean());
        assertTrue(muted.get("pinned").asBoolean(), "pinned is kept when only muted is given");
        assertEquals(2, muted.get("unread").asInt());
        assertTrue(awaitEvents(web, "conv.updated", 1).get(0).get("data").get("muted").asBoolean());

        // a new message does not move an unpinned one above a pinned one
        send(rs, "user", me.id(), "r2", "newest");
        assertEquals(List.of(oldConv, recentConv), order(web));
        cmd(web, "conv.update", obj().put("conversationId", recentConv).put("pinned", true));
        assertEquals(List.of(recentConv, oldConv), order(web), "among pinned ones, most recent first");
        cmd(web, "conv.update", obj().put("conversationId", oldConv).put("pinned", false).put("muted", false));
        JsonNode unpinned = listedConversation(web, oldConv);
        assertFalse(unpinned.get("pinned").asBoolean());
        assertFalse(unpinned.get("muted").asBoolean());
        assertEquals(List.of(recentConv, oldConv), order(web));
    }

    @Test
    void aConversationWithoutMessagesKeepsItsSettingsForTheFirstOne() {
        Friends f = friendsAcrossGateways("early");
        String conv = pairConversation(f.a(), f.b());
        JsonNode early = cmd(f.as(), "conv.update", obj().put("conversationId", conv).put("muted", true));
        assertTrue(early.get("lastMessage").isNull(), "no message yet");
        assertTrue(early.get("muted").asBoolean());
        assertEquals(0, early.get("unread").asInt());
        assertEquals(f.b().id(), early.get("peer").get("id").asText());
        assertTrue(order(f.as()).isEmpty(), "conv.list lists conversations with messages");

        send(f.bs(), "user", f.a().id(), "first", "hello");
        JsonNode listed = listedConversation(f.as(), conv);
        assertTrue(listed.get("muted").asBoolean());
        assertEquals(1, listed.get("unread").asInt(), "muted changes no count");
        assertFalse(listedConversation(f.bs(), conv).get("muted").asBoolean(), "settings are per user");
    }

    @Test
    void badOrForeignConversationsChangeNothing() {
        Friends f = friendsAcrossGateways("settings");
        User stranger = newUser("settings");
        ChatSession xs = connectKept(stranger, 0);
        String conv = pairConversation(f.a(), f.b());
        send(f.as(), "user", f.b().id(), "m1", "hi");

        assertEquals("bad_request", errorOf(f.as(), "conv.update", obj().put("conversationId", conv)), "neither muted nor pinned");
        assertEquals("bad_request", errorOf(f.as(), "conv.update", obj().put("conversationId", conv).put("muted", "yes")));
        assertEquals("bad_request", errorOf(f.as(), "conv.update", obj().put("conversationId", conv).put("pinned", 1)));
        assertEquals("bad_request", errorOf(f.as(), "conv.update", obj().put("pinned", true)));
        assertEquals("bad_request", errorOf(f.as(), "conv.update", obj().put("conversationId", "x:1").put("pinned", true)));
        assertEquals("forbidden", errorOf(xs, "conv.update", obj().put("conversationId", conv).put("pinned", true)));
        assertEquals("forbidden", errorOf(xs, "conv.update",
                obj().put("conversationId", pairConversation(stranger, f.a())).put("pinned", true)), "not friends, no messages");
        assertEquals("forbidden", errorOf(xs, "conv.update", obj().put("conversationId", "g:999999999").put("muted", true)));
        JsonNode listed = listedConversation(f.as(), conv);
        assertFalse(listed.get("muted").asBoolean());
        assertFalse(listed.get("pinned").asBoolean());
        sleep(300);
        assertEquals(0, eventCount(f.as(), "conv.updated"));
    }
}
