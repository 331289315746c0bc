package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/** PROTOCOL.md 7.4: recall and edit, their timeline entries, unread counts, windows and retries. */
class RecallEditTest {

    static JsonNode inTimeline(ChatSession s, String msgId) {
        return syncAll(s, 0).stream().filter(m -> m.get("msgId").asText().equals(msgId)).findFirst()
                .orElseThrow(() -> new AssertionError("message " + msgId + " not in the timeline"));
    }

    static void assertGapFree(List<JsonNode> timeline) {
        for (int i = 0; i < timeline.size(); i++) {
            assertEquals(i + 1, timeline.get(i).get("seq").asLong(), "the timeline is gap-free and ordered");
        }
    }

    /** Makes a message look older than it is (the windows are minutes and hours). */
    static void age(String msgId, long millis) throws Exception {
        launcher("sql", "primary", "UPDATE messages SET sent_at = sent_at - " + millis + " WHERE msg_id = " + msgId);
    }

    @Test
    void aRecallReplacesTheMessageEverywhereAndAppendsOneEntryToEachTimeline() {
        Friends f = friendsAcrossGateways("recall");
        String conv = pairConversation(f.a(), f.b());
        String msgId = send(f.as(), "user", f.b().id(), "oops", "sent by mistake").get("msgId").asText();
        awaitEvents(f.bs(), "msg", 1);
        assertEquals(1, listedConversation(f.bs(), conv).get("unread").asInt());
        long bMaxBefore = cmd(f.bs(), "msg.sync", obj().put("afterSeq", 0)).get("maxSeq").asLong();

        assertTrue(cmd(f.as(), "msg.recall", obj().put("msgId", msgId)).isEmpty());
        for (ChatSession s : List.of(f.as(), f.bs())) {
            JsonNode entry = awaitEvents(s, "msg", s == f.bs() ? 2 : 1).get(s == f.bs() ? 1 : 0).get("data");
            assertEquals("recall", entry.get("content").get("type").asText());
            assertEquals(msgId, entry.get("content").get("msgId").asText());
            assertEquals(f.a().id(), entry.get("from").asText());
            assertEquals(conv, entry.get("conversationId").asText());
            assertFalse(entry.has("clientMsgId"), "no clientMsgId on a recall entry");
            assertEquals("recalled", inTimeline(s, msgId).get("content").get("type").asText(), "sync shows it recalled");
            assertGapFree(syncAll(s, 0));
        }
        assertEquals(bMaxBefore + 1, cmd(f.bs(), "msg.sync", obj().put("afterSeq", 0)).get("maxSeq").asLong());
        JsonNode c = listedConversation(f.bs(), conv);
        assertEquals(0, c.get("unread").asInt(), "the recalled unread message stops counting");
        assertEquals("recalled", c.get("lastMessage").get("content").get("type").asText());
        JsonNode history = cmd(f.bs(), "msg.history", obj().put("conversationId", conv)).get("messages");
        assertEquals("recall", history.get(0).get("content").get("type").asText(), "history: the entry, newest first");
        assertEquals("recalled", history.get(1).get("content").get("type").asText(), "history: the message, recalled");

        assertTrue(cmd(f.as(), "msg.recall", obj().put("msgId", msgId)).isEmpty(), "a retry answers {}");
        assertEquals(bMaxBefore + 1, cmd(f.bs(), "msg.sync", obj().put("afterSeq", 0)).get("maxSeq").asLong(), "and appends nothing");
        assertEquals("forbidden", errorOf(f.bs(), "msg.recall", obj().put("msgId", msgId)), "not the sender");
        User stranger = newUser("recall");
        assertEquals("not_found", errorOf(connectKept(stranger, 0), "msg.recall", obj().put("msgId", msgId)));
        assertEquals("not_found", errorOf(f.as(), "msg.recall", obj().put("msgId", "999999999999")));
        assertEquals("bad_request", errorOf(f.as(), "msg.recall", obj().put("msgId", "abc")));
        assertEquals("bad_request", errorOf(f.as(), "msg.recall", obj()));
        assertEquals("forbidden", errorOf(f.as(), "msg.edit", obj().put("msgId", msgId).put("text", "x")), "recalled");
    }

    @Test
    void anEditReplacesTheTextAndCountsForNothing() throws Exception {
        Friends f = friendsAcrossGateways("edit");
        String conv = pairConversation(f.a(), f.b());
        String msgId = send(f.as(), "user", f.b().id(), "typo", "helo").get("msgId").asText();
        awaitEvents(f.bs(), "msg", 1);
        long editedAt = cmd(f.as(), "msg.edit", obj().put("msgId", msgId).put("text", "hello")).get("editedAt").asLong();
        assertTrue(editedAt > 0);
        JsonNode entry = awaitEvents(f.bs(), "msg", 2).get(1).get("data");
        assertEquals("edit", entry.get("content").get("type").asText());
        assertEquals(msgId, entry.get("content").get("msgId").asText());
        assertEquals("hello", entry.get("content").get("text").asText());
        JsonNode edited = inTimeline(f.bs(), msgId);
        assertEquals("hello", edited.get("content").get("text").asText());
        assertEquals(editedAt, edited.get("editedAt").asLong());
        assertEquals("typo", edited.get("clientMsgId").asText());
        JsonNode c = listedConversation(f.bs(), conv);
        assertEquals(1, c.get("unread").asInt(), "the edit entry does not count");
        assertEquals("hello", c.get("lastMessage").get("content").get("text").asText());
        long maxSeq = cmd(f.bs(), "msg.sync", obj().put("afterSeq", 0)).get("maxSeq").asLong();

        assertEquals(editedAt, cmd(f.as(), "msg.edit", obj().put("msgId", msgId).put("text", "hello")).get("editedAt").asLong(),
                "the same text again answers the current editedAt");
        assertEquals(maxSeq, cmd(f.bs(), "msg.sync", obj().put("afterSeq", 0)).get("maxSeq").asLong(), "and appends nothing");
        long second = cmd(f.as(), "msg.edit", obj().put("msgId", msgId).put("text", "hello!")).get("editedAt").asLong();
        assertTrue(second > editedAt);
        assertEquals("hello!", inTimeline(f.as(), msgId).get("content").get("text").asText());
        assertGapFree(syncAll(f.bs(), 0));
        assertGapFree(syncAll(f.as(), 0));

        assertEquals("forbidden", errorOf(f.bs(), "msg.edit", obj().put("msgId", msgId).put("text", "mine")), "not the sender");
        assertEquals("bad_request", errorOf(f.as(), "msg.edit", obj().put("msgId", msgId).put("text", "")));
        assertEquals("bad_request", errorOf(f.as(), "msg.edit", obj().put("msgId", msgId)));
        assertEquals("too_large", errorOf(f.as(), "msg.edit", obj().put("msgId", msgId).put("text", "x".repeat(4001))));
        assertEquals("not_found", errorOf(f.as(), "msg.edit", obj().put("msgId", "999999999999").put("text", "x")));
        String entryId = entry.get("msgId").asText();
        assertEquals("forbidden", errorOf(f.as(), "msg.edit", obj().put("msgId", entryId).put("text", "x")), "not a text message");
        assertEquals("forbidden", errorOf(f.as(), "msg.recall", obj().put("msgId", entryId)), "not a text message");

        // the windows: recall 120 s, edit 24 h by default
        age(msgId, 121_000);
        assertEquals("forbidden", errorOf(f.as(), "msg.recall", obj().put("msgId", msgId)), "older than the recall window");
        assertTrue(cmd(f.as(), "msg.edit", obj().put("msgId", msgId).put("text", "still editable")).get("editedAt").asLong() > 0);
        age(msgId, 24 * 3600_000L);
        assertEquals("forbidden", errorOf(f.as(), "msg.edit", obj().put("msgId", msgId).put("text", "too late")));
    }

    @Test
    void aGroupRecallLowersTheUnreadOfThoseWhoHadNotReadIt() {
        User owner = newUser("grecall");
        User reader = newUser("grecall");
        User away = newUser("grecall");
        ChatSession os = connectKept(owner, 0);
        ChatSession rs = connectKept(reader, 1);
        ChatSession xs = connectKept(away, 0);
        String gid = cmd(os, "group.create", obj().put("name", "recalls")).get("group").get("groupId").asText();
        cmd(rs, "group.join", obj().put("groupId", gid));
        cmd(xs, "group.join", obj().put("groupId", gid));
        String conv = "g:" + gid;
        GroupAdminTest.awaitSystem(xs, conv, "member_joined", 1); // through the outbox
        long awayUnread = listedConversation(xs, conv).get("unread").asLong();
        String msgId = send(os, "group", gid, "g1", "to all").get("msgId").asText();
        long readerSeq = inTimeline(rs, msgId).get("seq").asLong();
        cmd(rs, "conv.read", obj().put("conversationId", conv).put("seq", readerSeq));
        assertEquals(awayUnread + 1, listedConversation(xs, conv).get("unread").asLong());

        cmd(os, "msg.recall", obj().put("msgId", msgId));
        assertEquals(awayUnread, listedConversation(xs, conv).get("unread").asLong(), "it no longer counts");
        assertEquals(0, listedConversation(rs, conv).get("unread").asLong(), "read before: nothing to take back");
        for (ChatSession s : List.of(os, rs, xs)) {
            List<JsonNode> timeline = syncAll(s, 0);
            assertGapFree(timeline);
            assertEquals(1, timeline.stream().filter(m -> "recall".equals(m.get("content").get("type").asText())
                    && msgId.equals(m.get("content").get("msgId").asText())).count(), "one recall entry in each timeline");
        }
        String system = syncAll(os, 0).stream().filter(m -> "system".equals(m.get("content").get("type").asText()))
                .findFirst().orElseThrow().get("msgId").asText();
        assertEquals("forbidden", errorOf(os, "msg.recall", obj().put("msgId", system)), "a system message is nobody's");
    }

    /**
     * Senders write, recall and edit in a shared group and 1:1 while the readers sync; afterwards every timeline is
     * gap-free with each entry once, each recalled message recalled everywhere, each edited one with its last text,
     * and every unread count what the timeline implies.
     */
    @Test
    void recallsAndEditsUnderConcurrencyKeepEveryTimelineTrue() throws Exception {
        int n = 4;
        List<User> users = new ArrayList<>();
        List<ChatSession> sessions = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            users.add(newUser("storm7"));
            sessions.add(connectKept(users.get(i), i % 2));
        }
        for (int i = 1; i < n; i++) {
            befriend(sessions.get(0), users.get(i), sessions.get(i));
        }
        String gid = cmd(sessions.get(0), "group.create", obj().put("name", "storm")).get("group").get("groupId").asText();
        for (int i = 1; i < n; i++) {
            cmd(sessions.get(i), "group.join", obj().put("groupId", gid));
        }
        Map<String, String> lastText = new ConcurrentHashMap<>();
        Map<String, Boolean> recalled = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(n);
        List<Future<?>> work = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int me = i;
            work.add(pool.submit(() -> {
                Random random = new Random(me);
                List<String> mine = new ArrayList<>();
                for (int k = 0; k < 40; k++) {
                    ChatSession s = sessions.get(me);
                    int action = random.nextInt(10);
                    if (action < 5 || mine.isEmpty()) {
                        boolean group = me != 0 ? random.nextBoolean() : random.nextInt(3) == 0;
                        String to = group ? gid : users.get(me == 0 ? 1 + random.nextInt(n - 1) : 0).id();
                        String text = "m" + me + "-" + k;
                        String id = send(s, group ? "group" : "user", to, "c" + me + "-" + k, text).get("msgId").asText();
                        mine.add(id);
                        lastText.put(id, text);
                    } else if (action < 8) {
                        String id = mine.get(random.nextInt(mine.size()));
                        String text = "e" + me + "-" + k;
                        if (!recalled.containsKey(id)) {
                            cmd(s, "msg.edit", obj().put("msgId", id).put("text", text));
                            lastText.put(id, text);
                        }
                    } else {
                        String id = mine.remove(random.nextInt(mine.size()));
                        cmd(s, "msg.recall", obj().put("msgId", id));
                        cmd(s, "msg.recall", obj().put("msgId", id)); // a retry changes nothing
                        recalled.put(id, true);
                    }
                    if (random.nextInt(4) == 0) {
                        syncAll(sessions.get((me + 1) % n), 0);
                    }
                }
                return null;
            }));
        }
        for (Future<?> w : work) {
            w.get();
        }
        pool.shutdown();

        for (int i = 0; i < n; i++) {
            ChatSession s = sessions.get(i);
            String me = users.get(i).id();
            List<JsonNode> timeline = syncAll(s, 0);
            assertGapFree(timeline);
            Map<String, Integer> seen = new HashMap<>();
            Map<String, Integer> recallEntries = new HashMap<>();
            for (JsonNode m : timeline) {
                seen.merge(m.get("msgId").asText(), 1, Integer::sum);
                JsonNode content = m.get("content");
                String id = m.get("msgId").asText();
                switch (content.get("type").asText()) {
                    case "recalled" -> assertTrue(recalled.containsKey(id), "recalled only if recalled: " + m);
                    case "text" -> {
                        assertFalse(recalled.containsKey(id), "every recalled message reads as recalled: " + m);
                        assertEquals(lastText.get(id), content.get("text").asText(), "the last edit's text");
                    }
                    case "recall" -> recallEntries.merge(content.get("msgId").asText(), 1, Integer::sum);
                    default -> { }
                }
            }
            seen.forEach((id, count) -> assertEquals(1, count, "each entry once: " + id));
            recallEntries.forEach((id, count) -> assertEquals(1, count, "one recall entry per recall: " + id));
            for (JsonNode c : cmd(s, "conv.list", obj()).get("conversations")) {
                String conv = c.get("conversationId").asText();
                long readSeq = c.get("readSeq").asLong();
                long implied = timeline.stream().filter(m -> conv.equals(m.get("conversationId").asText())
                        && m.get("seq").asLong() > readSeq && !me.equals(m.get("from").asText())
                        && List.of("text", "system").contains(m.get("content").get("type").asText())).count();
                assertEquals(implied, c.get("unread").asLong(), "unread of " + conv + " is what the timeline implies");
                // a read of everything leaves 0, and recounts the same way
                long last = timeline.stream().filter(m -> conv.equals(m.get("conversationId").asText()))
                        .mapToLong(m -> m.get("seq").asLong()).max().orElse(0);
                assertEquals(0, cmd(s, "conv.read", obj().put("conversationId", conv).put("seq", last)).get("unread").asLong());
            }
        }
        sessions.forEach(ChatSession::close);
    }
}
