package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/** PROTOCOL.md 7.6: one-way blocks keep the friendship and stop the blocked user's messages, requests and typing. */
class BlockingTest {

    private static List<String> blockedIds(ChatSession s) {
        List<String> ids = new ArrayList<>();
        cmd(s, "user.blocked", obj()).get("users").forEach(u -> ids.add(u.get("userId").asText()));
        return ids;
    }

    @Test
    void aBlockedFriendCannotMessageOrTypeButTheBlockerCan() {
        Friends f = friendsAcrossGateways("blocker");
        String conv = pairConversation(f.a(), f.b());
        JsonNode before = send(f.bs(), "user", f.a().id(), "before", "before the block"); // chat now remembers the pair

        assertTrue(cmd(f.as(), "user.block", obj().put("userId", f.b().id())).isEmpty());
        assertTrue(cmd(f.as(), "user.block", obj().put("userId", f.b().id())).isEmpty(), "blocking twice is {}");
        assertEquals(List.of(f.b().id()), blockedIds(f.as()));
        JsonNode listed = cmd(f.as(), "user.blocked", obj()).get("users").get(0);
        assertEquals(f.b().username(), listed.get("username").asText());
        assertTrue(blockedIds(f.bs()).isEmpty(), "one-way");

        long aSeq = cmd(f.as(), "msg.sync", obj().put("afterSeq", 0)).get("maxSeq").asLong();
        try {
            f.bs().command("msg.send", sendData("user", f.a().id(), "after", "after the block")).await().atMost(WAIT);
            fail("a blocked user's message was accepted");
        } catch (TinyImException e) {
            assertEquals("forbidden", e.code());
            assertEquals("forbidden: you cannot message this user", e.getMessage());
        }
        assertEquals(aSeq, cmd(f.as(), "msg.sync", obj().put("afterSeq", 0)).get("maxSeq").asLong(), "nothing stored");
        // a resend of what was sent before the block still answers its first result (PROTOCOL.md 5.3)
        JsonNode resent = send(f.bs(), "user", f.a().id(), "before", "before the block");
        assertEquals(before.get("msgId"), resent.get("msgId"));
        assertEquals(before.get("seq"), resent.get("seq"));

        // the blocker can still write; the friendship is kept
        JsonNode mine = send(f.as(), "user", f.b().id(), "a1", "I can still write");
        assertTrue(mine.get("seq").asLong() > aSeq);
        awaitEvent(f.bs(), "msg");
        assertTrue(cmd(f.bs(), "friend.list", obj()).get("friends").toString().contains(f.a().id()));

        // typing from the blocked user is answered and dropped; the blocker's typing still arrives
        assertTrue(cmd(f.bs(), "typing", obj().put("conversationId", conv)).isEmpty());
        cmd(f.as(), "typing", obj().put("conversationId", conv));
        awaitEvent(f.bs(), "typing");
        sleep(500);
        assertEquals(0, eventCount(f.as(), "typing"));

        // lifted: messages go through again; unblocking twice is not_found
        assertTrue(cmd(f.as(), "user.unblock", obj().put("userId", f.b().id())).isEmpty());
        assertTrue(blockedIds(f.as()).isEmpty());
        assertEquals("not_found", errorOf(f.as(), "user.unblock", obj().put("userId", f.b().id())));
        assertTrue(send(f.bs(), "user", f.a().id(), "after-unblock", "hello again").get("seq").asLong() > 0);
    }

    /**
     * First sends that reach chat together have their relationships looked up together (one call to relation for
     * many pairs): each send still gets its own pair's answer, a friend's ok, a blocker's and a stranger's refusal.
     */
    @Test
    void firstSendsArrivingTogetherEachGetTheirOwnPairsAnswer() {
        User a = newUser("burst");
        ChatSession as = connectKept(a, 0);
        List<User> others = new ArrayList<>();
        List<ChatSession> sessions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            User u = newUser("burst");
            others.add(u);
            sessions.add(connectKept(u, i % 2));
        }
        befriend(as, others.get(0), sessions.get(0));
        befriend(as, others.get(1), sessions.get(1));
        befriend(as, others.get(2), sessions.get(2));
        cmd(sessions.get(2), "user.block", obj().put("userId", a.id())); // others.get(3) stays a stranger
        double batchesBefore = metric(service("chat"), "tinyim_chat_permissions_lookup_batch_count");
        double pairsBefore = metric(service("chat"), "tinyim_chat_permissions_lookup_batch_sum");

        List<io.smallrye.mutiny.Uni<JsonNode>> sends = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 4; i++) {
                sends.add(as.command("msg.send", sendData("user", others.get(i).id(), "burst-" + round + "-" + i, "hi " + i)));
            }
            sends.add(sessions.get(0).command("msg.send", sendData("user", a.id(), "back-" + round, "hi back")));
        }
        List<String> outcomes = new ArrayList<>();
        for (var send : sends) {
            try {
                send.await().atMost(WAIT);
                outcomes.add("ok");
            } catch (TinyImException e) {
                outcomes.add(e.code());
            }
        }
        List<String> expected = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            expected.addAll(List.of("ok", "ok", "forbidden", "forbidden", "ok"));
        }
        assertEquals(expected, outcomes);
        double pairs = metric(service("chat"), "tinyim_chat_permissions_lookup_batch_sum") - pairsBefore;
        double batches = metric(service("chat"), "tinyim_chat_permissions_lookup_batch_count") - batchesBefore;
        assertTrue(pairs >= 5 && batches >= 1, "the five new pairs were looked up (" + pairs + " in " + batches + " calls)");
        assertEquals(3, syncAll(sessions.get(0), 0).stream().filter(m -> m.path("clientMsgId").asText().startsWith("burst-")).count(),
                "the friend got each of the three rounds once");
        assertEquals(0, syncAll(sessions.get(2), 0).stream().filter(m -> m.path("clientMsgId").asText().startsWith("burst-")).count(),
                "the blocker got nothing");
    }

    @Test
    void aBlockedUserCannotSendAFriendRequestAndGroupsAreUnaffected() {
        User a = newUser("blocker");
        User b = newUser("blocked");
        ChatSession as = connectKept(a, 0);
        ChatSession bs = connectKept(b, 1);
        cmd(as, "user.block", obj().put("userId", b.id()));
        assertEquals("forbidden", errorOf(bs, "friend.request", obj().put("userId", a.id())));
        sleep(300);
        assertEquals(0, eventCount(as, "friend.request"), "no request reached the blocker");
        assertEquals(0, cmd(as, "friend.requests", obj()).get("incoming").size());
        // the blocker may still ask the blocked user
        cmd(as, "friend.request", obj().put("userId", b.id()));
        awaitEvent(bs, "friend.request");

        String groupId = cmd(as, "group.create", obj().put("name", "both")).get("group").get("groupId").asText();
        cmd(bs, "group.join", obj().put("groupId", groupId));
        send(bs, "group", groupId, "g1", "group messages are not affected");
        assertTrue(awaitEvents(as, "msg", 2).stream().anyMatch(e -> e.get("data").get("content").path("text").asText()
                .equals("group messages are not affected")));
        // group typing reaches no member who blocks the typist
        User c = newUser("member");
        ChatSession cs = connectKept(c, 0);
        cmd(cs, "group.join", obj().put("groupId", groupId));
        cmd(bs, "typing", obj().put("conversationId", "g:" + groupId));
        awaitEvent(cs, "typing");
        sleep(500);
        assertEquals(0, eventCount(as, "typing"), "the blocker gets no typing from the blocked user");
    }

    @Test
    void badBlocksChangeNothing() {
        User a = newUser("blocker");
        ChatSession as = connectKept(a, 0);
        assertEquals("bad_request", errorOf(as, "user.block", obj().put("userId", a.id())), "oneself");
        assertEquals("not_found", errorOf(as, "user.block", obj().put("userId", "999999999")));
        assertEquals("bad_request", errorOf(as, "user.block", obj()));
        assertEquals("bad_request", errorOf(as, "user.block", obj().put("userId", "x")));
        assertEquals("not_found", errorOf(as, "user.unblock", obj().put("userId", "999999999")));
        assertEquals("not_found", errorOf(as, "user.unblock", obj().put("userId", a.id())), "not blocked");
        assertTrue(blockedIds(as).isEmpty());
    }
}
