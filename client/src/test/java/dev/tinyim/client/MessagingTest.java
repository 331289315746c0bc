package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/** Friends, groups and the timeline guarantees of PROTOCOL.md sections 3 to 5, across two gateways. */
class MessagingTest {

    @Test
    void friendsChatAcrossGatewaysWithPushSyncAndIdempotentResend() {
        User alice = newUser("alice");
        User bob = newUser("bob");
        ChatSession a = connect(alice, 0);
        ChatSession b = connect(bob, 1);
        assertEquals("bad_request", errorOf(a, "friend.request", obj().put("userId", alice.id())));
        assertEquals("not_found", errorOf(a, "friend.request", obj().put("userId", "999999999")));
        assertEquals("forbidden", errorOf(a, "msg.send", sendData("user", bob.id(), "early", "not yet friends")));

        String requestId = cmd(a, "friend.request", obj().put("userId", bob.id()).put("remark", "hi bob")).get("requestId").asText();
        assertEquals(requestId, cmd(a, "friend.request", obj().put("userId", bob.id()).put("remark", "again")).get("requestId").asText());
        JsonNode notice = awaitEvent(b, "friend.request");
        assertEquals(alice.id(), notice.get("data").get("from").get("userId").asText());
        JsonNode incoming = cmd(b, "friend.requests", obj()).get("incoming");
        assertEquals("again", incoming.get(0).get("remark").asText());
        assertEquals("forbidden", errorOf(a, "friend.accept", obj().put("requestId", requestId)));
        JsonNode friend = cmd(b, "friend.accept", obj().put("requestId", requestId)).get("friend");
        assertEquals(alice.id(), friend.get("userId").asText());
        assertEquals("conflict", errorOf(b, "friend.accept", obj().put("requestId", requestId)));
        assertEquals(bob.id(), awaitEvent(a, "friend.accepted").get("data").get("friend").get("userId").asText());
        // read-your-writes: the list right after accept has the new friend
        assertEquals(bob.id(), cmd(a, "friend.list", obj()).get("friends").get(0).get("userId").asText());
        assertEquals("conflict", errorOf(a, "friend.request", obj().put("userId", bob.id())));

        JsonNode sent = send(a, "user", bob.id(), "m-1", "hello <b>bob</b>");
        assertEquals(1, sent.get("seq").asLong());
        String conv = "p:" + Math.min(Long.parseLong(alice.id()), Long.parseLong(bob.id())) + ":"
                + Math.max(Long.parseLong(alice.id()), Long.parseLong(bob.id()));
        assertEquals(conv, sent.get("conversationId").asText());
        JsonNode again = send(a, "user", bob.id(), "m-1", "hello <b>bob</b>");
        assertEquals(sent.get("msgId").asText(), again.get("msgId").asText());
        assertEquals(1, again.get("seq").asLong());
        JsonNode pushed = awaitEvent(b, "msg").get("data");
        assertEquals("hello <b>bob</b>", pushed.get("content").get("text").asText());
        assertEquals(alice.id(), pushed.get("from").asText());

        JsonNode sync = cmd(b, "msg.sync", obj().put("afterSeq", 0));
        assertEquals(1, sync.get("messages").size(), "the resend stored nothing new");
        assertEquals(1, sync.get("maxSeq").asLong());
        assertFalse(sync.get("hasMore").asBoolean());
        assertEquals("too_large", errorOf(a, "msg.send", sendData("user", bob.id(), "big", "x".repeat(4001))));
        assertEquals("bad_request", errorOf(a, "msg.send", sendData("user", bob.id(), "empty", "")));
        assertEquals("bad_request", errorOf(b, "msg.ack", obj().put("seq", 5)));
        assertEquals(1, cmd(b, "msg.ack", obj().put("seq", 1)).get("ackedSeq").asLong());

        // no longer friends: a resend still returns the first result (section 5.3), a new message is forbidden
        cmd(a, "friend.remove", obj().put("userId", bob.id()));
        JsonNode afterRemoval = send(a, "user", bob.id(), "m-1", "hello <b>bob</b>");
        assertEquals(sent.get("msgId").asText(), afterRemoval.get("msgId").asText());
        assertEquals(1, afterRemoval.get("seq").asLong());
        assertEquals("forbidden", errorOf(a, "msg.send", sendData("user", bob.id(), "m-2", "still there?")));
        assertEquals(1, cmd(b, "msg.sync", obj().put("afterSeq", 0)).get("maxSeq").asLong(), "nothing new stored");

        User mallory = newUser("mallory");
        ChatSession m = connect(mallory, 0);
        assertEquals("forbidden", errorOf(m, "msg.history", obj().put("conversationId", conv)));
        assertEquals("bad_request", errorOf(m, "msg.history", obj().put("conversationId", "p:x:y")));
        a.close();
        b.close();
        m.close();
    }

    @Test
    void groupsFanOutWithSystemMessagesAndMembersOnlyRules() {
        User owner = newUser("owner");
        User joiner = newUser("joiner");
        User outsider = newUser("outsider");
        ChatSession o = connect(owner, 0);
        ChatSession j = connect(joiner, 1);
        ChatSession x = connect(outsider, 0);
        assertEquals("bad_request", errorOf(o, "group.create", obj().put("name", "")));
        JsonNode group = cmd(o, "group.create", obj().put("name", "team")).get("group");
        String gid = group.get("groupId").asText();
        assertEquals(owner.id(), group.get("ownerId").asText());
        assertEquals(1, group.get("memberCount").asInt());
        assertEquals("forbidden", errorOf(x, "group.members", obj().put("groupId", gid)));
        assertEquals("forbidden", errorOf(x, "msg.send", sendData("group", gid, "g0", "let me in")));
        assertEquals("not_found", errorOf(x, "group.join", obj().put("groupId", "987654321")));
        assertEquals(2, cmd(j, "group.join", obj().put("groupId", gid)).get("group").get("memberCount").asInt());
        assertEquals("conflict", errorOf(j, "group.join", obj().put("groupId", gid)));
        // read-your-writes on the members list right after the join
        assertEquals(2, cmd(j, "group.members", obj().put("groupId", gid)).get("members").size());

        JsonNode system = awaitEvent(o, "msg").get("data");
        assertEquals("system", system.get("content").get("type").asText());
        assertEquals("member_joined", system.get("content").get("event").asText());
        assertEquals("0", system.get("from").asText());
        assertFalse(system.has("clientMsgId"));

        send(j, "group", gid, "g1", "hello team");
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        while (o.received().stream().filter(e -> e.get("type").asText().equals("msg")).count() < 2
                && System.currentTimeMillis() < deadline) {
            sleep(20);
        }
        JsonNode history = cmd(o, "msg.history", obj().put("conversationId", "g:" + gid)).get("messages");
        assertEquals("hello team", history.get(0).get("content").get("text").asText(), "newest first");
        assertEquals("forbidden", errorOf(x, "msg.history", obj().put("conversationId", "g:" + gid)));

        JsonNode convs = cmd(o, "conv.list", obj()).get("conversations");
        assertEquals("g:" + gid, convs.get(0).get("conversationId").asText());
        assertEquals(2, convs.get(0).get("unread").asInt(), "the system message and the joiner's text");
        long last = convs.get(0).get("lastMessage").get("seq").asLong();
        JsonNode read = cmd(o, "conv.read", obj().put("conversationId", "g:" + gid).put("seq", last));
        assertEquals(0, read.get("unread").asInt());
        assertEquals(last, cmd(o, "conv.read", obj().put("conversationId", "g:" + gid).put("seq", 1)).get("readSeq").asLong());

        cmd(j, "group.leave", obj().put("groupId", gid));
        assertEquals("forbidden", errorOf(j, "group.leave", obj().put("groupId", gid)));
        assertEquals(1, cmd(o, "group.members", obj().put("groupId", gid)).get("members").size());

        // chat remembered the members from the sends above: a leave and a join count from their result on
        assertEquals("forbidden", errorOf(j, "msg.send", sendData("group", gid, "g2", "still here?")));
        send(o, "group", gid, "g3", "after the leave");
        User late = newUser("late");
        ChatSession l = connect(late, 1);
        cmd(l, "group.join", obj().put("groupId", gid));
        send(o, "group", gid, "g4", "welcome");
        assertTrue(syncAll(l, 0).stream().anyMatch(m -> m.get("content").path("text").asText().equals("welcome")),
                "a member who just joined receives the next message");
        assertTrue(syncAll(j, 0).stream().noneMatch(m -> m.get("content").path("text").asText().equals("after the leave")),
                "a member who left receives nothing more");
        o.close();
        j.close();
        x.close();
        l.close();
    }

    @Test
    void syncPagesAndOfflineUserGetsEverythingOnReconnect() {
        User a = newUser("pager");
        User b = newUser("offline");
        ChatSession as = connect(a, 0);
        ChatSession bs = connect(b, 1);
        befriend(as, b, bs);
        bs.close();
        for (int i = 1; i <= 7; i++) {
            send(as, "user", b.id(), "p" + i, "message " + i);
        }
        User bAgain = login(b.username(), "web");
        ChatSession back = connect(bAgain, 0);
        assertEquals(7, back.authResult().get("maxSeq").asLong());
        assertEquals(0, back.authResult().get("ackedSeq").asLong());
        JsonNode page1 = cmd(back, "msg.sync", obj().put("afterSeq", 0).put("limit", 5));
        assertEquals(5, page1.get("messages").size());
        assertTrue(page1.get("hasMore").asBoolean());
        JsonNode page2 = cmd(back, "msg.sync", obj().put("afterSeq", 5).put("limit", 5));
        assertEquals(2, page2.get("messages").size());
        assertFalse(page2.get("hasMore").asBoolean());
        assertEquals("message 7", page2.get("messages").get(1).get("content").get("text").asText());
        assertEquals("bad_request", errorOf(back, "msg.sync", obj().put("afterSeq", 0).put("limit", 501)));
        JsonNode hist = cmd(back, "msg.history", obj().put("conversationId", page1.get("messages").get(0).get("conversationId").asText())
                .put("limit", 3));
        assertEquals(7, hist.get("messages").get(0).get("seq").asLong());
        assertTrue(hist.get("hasMore").asBoolean());
        as.close();
        back.close();
    }

    /**
     * 20 senders x 50 messages over two shared groups and a ring of 1:1 pairs, sent concurrently through both
     * gateways. Afterwards every timeline is exactly 1..N and holds exactly the messages addressed to its user,
     * each once, every sender's order kept; a reader syncing in a loop during the storm only ever sees the next
     * seq appear after the ones it has.
     */
    @Test
    void concurrentSendersLeaveGapFreeOrderedTimelines() throws Exception {
        int senders = 20;
        int perSender = 50;
        List<User> users = new ArrayList<>();
        List<ChatSession> sessions = new ArrayList<>();
        for (int i = 0; i < senders; i++) {
            User u = newUser("storm");
            users.add(u);
            sessions.add(connectKept(u, i % 2));
        }
        // group "all": everyone; group "half": the first ten; friends: i and i+1 around the ring
        String all = cmd(sessions.get(0), "group.create", obj().put("name", "all")).get("group").get("groupId").asText();
        String half = cmd(sessions.get(0), "group.create", obj().put("name", "half")).get("group").get("groupId").asText();
        for (int i = 1; i < senders; i++) {
            cmd(sessions.get(i), "group.join", obj().put("groupId", all));
            if (i < senders / 2) {
                cmd(sessions.get(i), "group.join", obj().put("groupId", half));
            }
        }
        for (int i = 0; i < senders; i++) {
            befriend(sessions.get(i), users.get((i + 1) % senders), sessions.get((i + 1) % senders));
        }
        awaitSystemMessages(sessions.get(0), senders - 1 + senders / 2 - 1);

        // who should receive what: text "sender:n" per target user, filled as the plan is made
        Map<String, Set<String>> expected = new HashMap<>();
        List<List<String[]>> plans = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            List<String[]> plan = new ArrayList<>();
            for (int n = 0; n < perSender; n++) {
                String text = s + ":" + n;
                List<Integer> recipients = new ArrayList<>();
                if (n % 3 == 0) {
                    plan.add(new String[] {"group", all, text});
                    for (int r = 0; r < senders; r++) {
                        recipients.add(r);
                    }
                } else if (n % 3 == 1 && s < senders / 2) {
                    plan.add(new String[] {"group", half, text});
                    for (int r = 0; r < senders / 2; r++) {
                        recipients.add(r);
                    }
                } else {
                    int peer = n % 2 == 0 ? (s + 1) % senders : (s + senders - 1) % senders;
                    plan.add(new String[] {"user", users.get(peer).id(), text});
                    recipients.add(s);
                    recipients.add(peer);
                }
                recipients.forEach(r -> expected.computeIfAbsent(users.get(r).id(), k -> new HashSet<>()).add(text));
            }
            plans.add(plan);
        }

        User reader = login(users.get(0).username(), "tablet");
        ChatSession readerSession = connectKept(reader, 1);
        AtomicBoolean storming = new AtomicBoolean(true);
        AtomicReference<String> readerProblem = new AtomicReference<>();
        List<JsonNode> readerSaw = new ArrayList<>();
        Thread readerLoop = new Thread(() -> {
            long last = 0;
            boolean finalRound = false;
            while (readerProblem.get() == null && !finalRound) {
                finalRound = !storming.get();
                for (JsonNode msg : syncAll(readerSession, last)) {
                    if (msg.get("seq").asLong() != last + 1) {
                        readerProblem.set("after seq " + last + " the reader saw seq " + msg.get("seq"));
                    }
                    last = msg.get("seq").asLong();
                    readerSaw.add(msg);
                }
                sleep(25); // stay under the per-connection rate limit of 50 commands a second
            }
        });
        readerLoop.start();
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        List<Future<?>> futures = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            int sender = s;
            futures.add(pool.submit(() -> {
                int n = 0;
                for (String[] step : plans.get(sender)) {
                    sendResending(sessions.get(sender), step[0], step[1], "s" + sender + "-" + n++, step[2]);
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        storming.set(false);
        readerLoop.join();
        pool.shutdown();
        assertNull(readerProblem.get());

        for (int i = 0; i < senders; i++) {
            List<JsonNode> timeline = syncAll(sessions.get(i), 0);
            Set<String> msgIds = new HashSet<>();
            Set<String> texts = new HashSet<>();
            Map<String, Integer> lastBySender = new HashMap<>();
            for (int k = 0; k < timeline.size(); k++) {
                JsonNode msg = timeline.get(k);
                assertEquals(k + 1, msg.get("seq").asLong(), "timeline of user " + i + " is 1..N");
                assertTrue(msgIds.add(msg.get("msgId").asText()), "each message once");
                if (msg.get("content").get("type").asText().equals("text")) {
                    String text = msg.get("content").get("text").asText();
                    assertTrue(texts.add(text), "each text once: " + text);
                    String[] parts = text.split(":");
                    String key = parts[0] + "/" + msg.get("conversationId").asText();
                    int n = Integer.parseInt(parts[1]);
                    assertTrue(lastBySender.getOrDefault(key, -1) < n, "sender order kept for " + key);
                    lastBySender.put(key, n);
                }
            }
            assertEquals(expected.get(users.get(i).id()), texts, "user " + i + " got exactly the messages addressed to them");
            if (i == 0) {
                assertEquals(timeline.size(), readerSaw.size(), "the reader's incremental syncs saw the whole timeline");
                for (int k = 0; k < timeline.size(); k++) {
                    assertEquals(timeline.get(k).get("msgId"), readerSaw.get(k).get("msgId"));
                }
            }
        }
        sessions.forEach(ChatSession::close);
        readerSession.close();
    }

    /** Waits until user's timeline has at least this many member_joined / member_left messages. */
    private static void awaitSystemMessages(ChatSession s, int count) {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        long found = 0;
        while (System.currentTimeMillis() < deadline) {
            found = syncAll(s, 0).stream().filter(m -> m.get("content").get("type").asText().equals("system")).count();
            if (found >= count) {
                return;
            }
            sleep(100);
        }
        throw new AssertionError("only " + found + " of " + count + " system messages arrived");
    }
}
