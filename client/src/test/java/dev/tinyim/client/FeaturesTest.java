package dev.tinyim.client;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/** The SDK's typed layer for PROTOCOL.md section 7 ({@link Features}) against the real stack. */
class FeaturesTest {

    static <T> T awaitFirst(List<T> seen) {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        while (seen.isEmpty()) {
            assertTrue(System.currentTimeMillis() < deadline, "no event within " + WAIT);
            sleep(20);
        }
        return seen.get(0);
    }

    @Test
    void everySectionSevenCommandAndEventIsTyped() {
        Friends f = friendsAcrossGateways("sdk");
        Features a = new Features(f.as());
        Features b = new Features(f.bs());
        sleep(2_000); // the presence of their own connections is announced
        List<Features.Presence> presence = new CopyOnWriteArrayList<>();
        List<Features.Typing> typing = new CopyOnWriteArrayList<>();
        List<Features.PeerRead> reads = new CopyOnWriteArrayList<>();
        b.presenceEvents().subscribe().with(presence::add);
        b.typingEvents().subscribe().with(typing::add);
        a.peerReads().subscribe().with(reads::add);

        ChatSession mobile = connectKept(login(f.a().username(), "mobile"), 1);
        Features.Presence up = awaitFirst(presence);
        assertEquals(new Features.Presence(f.a().id(), true, List.of("mobile", "web"), 0), up);
        assertEquals(List.of(up), b.presence(List.of(f.a().id())).await().atMost(WAIT));

        String conv = pairConversation(f.a(), f.b());
        a.typing(conv).await().atMost(WAIT);
        assertEquals(new Features.Typing(conv, f.a().id()), awaitFirst(typing));

        String msgId = send(f.as(), "user", f.b().id(), "sdk-1", "frist").get("msgId").asText();
        long editedAt = a.edit(msgId, "first").await().atMost(WAIT);
        assertTrue(editedAt > 0);
        assertEquals(editedAt, a.edit(msgId, "first").await().atMost(WAIT));
        long seq = RecallEditTest.inTimeline(f.bs(), msgId).get("seq").asLong();
        cmd(f.bs(), "conv.read", obj().put("conversationId", conv).put("seq", seq + 1)); // the edit entry too
        Features.PeerRead read = awaitFirst(reads);
        assertEquals(conv, read.conversationId());
        assertEquals(f.b().id(), read.userId());
        a.recall(msgId).await().atMost(WAIT);
        assertEquals("recalled", RecallEditTest.inTimeline(f.bs(), msgId).get("content").get("type").asText());
        TinyImException late = assertThrows(TinyImException.class, () -> b.recall(msgId).await().atMost(WAIT));
        assertEquals("forbidden", late.code());

        List<Features.ConversationSettings> updates = new CopyOnWriteArrayList<>();
        new Features(mobile).conversationUpdates().subscribe().with(updates::add);
        Features.ConversationSettings pinned = a.updateConversation(conv, null, true).await().atMost(WAIT);
        assertTrue(pinned.pinned());
        assertFalse(pinned.muted());
        assertEquals(pinned.conversationId(), awaitFirst(updates).conversationId());

        String groupId = cmd(f.as(), "group.create", obj().put("name", "sdk")).get("group").get("groupId").asText();
        cmd(f.bs(), "group.join", obj().put("groupId", groupId));
        assertEquals("renamed", a.renameGroup(groupId, "renamed").await().atMost(WAIT).name());
        Features.Group handed = a.transferGroup(groupId, f.b().id()).await().atMost(WAIT);
        assertEquals(f.b().id(), handed.ownerId());
        assertEquals(2, handed.memberCount());
        b.removeMember(groupId, f.a().id()).await().atMost(WAIT);
        assertEquals(1, cmd(f.bs(), "group.members", obj().put("groupId", groupId)).get("members").size());

        b.block(f.a().id()).await().atMost(WAIT);
        assertEquals(List.of(f.a().id()), b.blocked().await().atMost(WAIT).stream().map(Features.Profile::userId).toList());
        b.unblock(f.a().id()).await().atMost(WAIT);
        assertTrue(b.blocked().await().atMost(WAIT).isEmpty());
        mobile.close();
    }
}
