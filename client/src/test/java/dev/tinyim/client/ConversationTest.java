package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/** conv.list, conv.read and the conv.read event: exact unread counts and one read position on every device. */
class ConversationTest {

    @Test
    void unreadCountsOthersMessagesAndReadPositionIsSharedByDevices() {
        User web = newUser("reader");
        User phone = login(web.username(), "mobile");
        User friend = newUser("writer");
        User stranger = newUser("stranger");
        ChatSession w = connect(web, 0);
        ChatSession p = connect(phone, 1);
        ChatSession f = connect(friend, 1);
        ChatSession x = connect(stranger, 0);
        befriend(w, friend, f);
        befriend(x, friend, f);
        String conv = pairConversation(web, friend);

        for (int i = 1; i <= 3; i++) {
            send(f, "user", web.id(), "in" + i, "incoming " + i);
        }
        send(w, "user", friend.id(), "own-web", "mine from the web");
        send(p, "user", friend.id(), "own-phone", "mine from the phone");
        JsonNode mine = only(cmd(w, "conv.list", obj()).get("conversations"), conv);
        assertEquals(3, mine.get("unread").asInt(), "own messages, from either device, are not unread");
        assertEquals(0, mine.get("readSeq").asLong());
        assertEquals(5, mine.get("lastMessage").get("seq").asLong());
        assertEquals("mine from the phone", mine.get("lastMessage").get("content").get("text").asText());
        assertEquals("user", mine.get("peer").get("type").asText());
        assertEquals(friend.id(), mine.get("peer").get("id").asText());
        JsonNode theirs = only(cmd(f, "conv.list", obj()).get("conversations"), conv);
        assertEquals(2, theirs.get("unread").asInt());
        assertEquals(web.id(), theirs.get("peer").get("id").asText());

        // the phone reads up to the second incoming message; the web sees it at once
        JsonNode read = cmd(p, "conv.read", obj().put("conversationId", conv).put("seq", 2));
        assertEquals(2, read.get("readSeq").asLong());
        assertEquals(1, read.get("unread").asInt());
        JsonNode event = awaitEvent(w, "conv.read").get("data");
        assertEquals(conv, event.get("conversationId").asText());
        assertEquals(2, event.get("readSeq").asLong());
        assertEquals(1, event.get("unread").asInt());
        assertEquals(0, eventCount(p, "conv.read"),
                "the reading device gets its result, not the event");
        JsonNode onWeb = only(cmd(w, "conv.list", obj()).get("conversations"), conv);
        assertEquals(2, onWeb.get("readSeq").asLong());
        assertEquals(1, onWeb.get("unread").asInt());

        // a lower seq changes nothing and tells no one
        JsonNode lower = cmd(w, "conv.read", obj().put("conversationId", conv).put("seq", 1));
        assertEquals(2, lower.get("readSeq").asLong());
        assertEquals(1, lower.get("unread").asInt());
        sleep(300);
        assertEquals(0, eventCount(p, "conv.read"));

        assertEquals("bad_request", errorOf(w, "conv.read", obj().put("conversationId", conv).put("seq", 6)), "beyond maxSeq");
        assertEquals("forbidden", errorOf(w, "conv.read", obj().put("conversationId", pairConversation(stranger, friend)).put("seq", 1)));
        assertEquals("bad_request", errorOf(w, "conv.read", obj().put("conversationId", "q:1").put("seq", 1)));
        assertEquals("bad_request", errorOf(w, "conv.read", obj().put("conversationId", conv)));
        assertEquals("bad_request", errorOf(w, "conv.list", obj().put("limit", 0)));
        assertEquals("bad_request", errorOf(w, "conv.list", obj().put("limit", 501)));

        JsonNode all = cmd(w, "conv.read", obj().put("conversationId", conv).put("seq", 5));
        assertEquals(0, all.get("unread").asInt());
        assertEquals(0, only(cmd(p, "conv.list", obj()).get("conversations"), conv).get("unread").asInt());
        send(f, "user", web.id(), "in4", "one more");
        assertEquals(1, only(cmd(p, "conv.list", obj()).get("conversations"), conv).get("unread").asInt());
        for (ChatSession s : List.of(w, p, f, x)) {
            s.close();
        }
    }

    @Test
    void listIsMostRecentFirstWithGroupsAndSystemMessagesCounted() {
        User me = newUser("lister");
        User one = newUser("first");
        User two = newUser("second");
        User joiner = newUser("joiner");
        ChatSession m = connect(me, 0);
        ChatSession s1 = connect(one, 1);
        ChatSession s2 = connect(two, 0);
        ChatSession j = connect(joiner, 1);
        befriend(m, one, s1);
        befriend(m, two, s2);
        String gid = cmd(m, "group.create", obj().put("name", "listing")).get("group").get("groupId").asText();
        send(s1, "user", me.id(), "a", "from one");
        cmd(j, "group.join", obj().put("groupId", gid));
        awaitEvents(m, "msg", 2); // the member_joined system message arrives through the outbox
        send(s2, "user", me.id(), "b", "from two");

        List<String> order = ids(cmd(m, "conv.list", obj()).get("conversations"));
        assertEquals(List.of(pairConversation(me, two), "g:" + gid, pairConversation(me, one)), order);
        JsonNode group = only(cmd(m, "conv.list", obj()).get("conversations"), "g:" + gid);
        assertEquals(1, group.get("unread").asInt(), "system messages count");
        assertEquals("group", group.get("peer").get("type").asText());
        assertEquals("member_joined", group.get("lastMessage").get("content").get("event").asText());

        send(s1, "user", me.id(), "c", "one again");
        assertEquals(List.of(pairConversation(me, one), pairConversation(me, two)),
                ids(cmd(m, "conv.list", obj().put("limit", 2)).get("conversations")));
        assertEquals(2, only(cmd(m, "conv.list", obj()).get("conversations"), pairConversation(me, one)).get("unread").asInt());
        for (ChatSession s : List.of(m, s1, s2, j)) {
            s.close();
        }
    }

    /**
     * Four friends and a group write to one user while both of the user's devices read at random positions and
     * the user writes too. Afterwards every conversation's unread equals what the timeline says, and readSeq is
     * the highest position any device read, the same on both devices.
     */
    @Test
    void concurrentSendersAndReadersLeaveExactCounts() throws Exception {
        User target = newUser("busy");
        User targetPhone = login(target.username(), "mobile");
        ChatSession web = connectKept(target, 0);
        ChatSession phone = connectKept(targetPhone, 1);
        List<User> friends = new ArrayList<>();
        List<ChatSession> friendSessions = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            User f = newUser("busyfriend");
            ChatSession fs = connectKept(f, i % 2);
            befriend(web, f, fs);
            friends.add(f);
            friendSessions.add(fs);
        }
        String gid = cmd(web, "group.create", obj().put("name", "busy")).get("group").get("groupId").asText();
        for (ChatSession fs : friendSessions) {
            cmd(fs, "group.join", obj().put("groupId", gid));
        }
        awaitEvents(web, "msg", 4); // the four member_joined messages

        Map<String, Long> highestRead = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> work = new ArrayList<>();
        for (int i = 0; i < friends.size(); i++) {
            ChatSession fs = friendSessions.get(i);
            int n = i;
            work.add(pool.submit(() -> {
                for (int k = 0; k < 20; k++) {
                    boolean toGroup = k % 2 == 0;
                    send(fs, toGroup ? "group" : "user", toGroup ? gid : target.id(), "f" + n + "-" + k, "msg " + k);
                }
            }));
        }
        work.add(pool.submit(() -> {
            for (int k = 0; k < 20; k++) {
                send(phone, k % 2 == 0 ? "group" : "user", k % 2 == 0 ? gid : friends.get(k % 4).id(), "own-" + k, "mine " + k);
            }
        }));
        for (ChatSession reader : List.of(web, phone)) {
            work.add(pool.submit(() -> {
                for (int k = 0; k < 30; k++) {
                    JsonNode convs = cmd(reader, "conv.list", obj()).get("conversations");
                    JsonNode c = convs.get(ThreadLocalRandom.current().nextInt(convs.size()));
                    long seq = ThreadLocalRandom.current().nextLong(1, c.get("lastMessage").get("seq").asLong() + 1);
                    String id = c.get("conversationId").asText();
                    JsonNode r = cmd(reader, "conv.read", obj().put("conversationId", id).put("seq", seq));
                    highestRead.merge(id, seq, Math::max);
                    assertTrue(r.get("readSeq").asLong() >= seq, "readSeq only moves forward");
                }
            }));
        }
        for (Future<?> f : work) {
            f.get();
        }
        pool.shutdown();

        List<JsonNode> timeline = syncAll(web, 0);
        Map<String, List<JsonNode>> byConversation = new HashMap<>();
        timeline.forEach(msg -> byConversation.computeIfAbsent(msg.get("conversationId").asText(), k -> new ArrayList<>()).add(msg));
        JsonNode onWeb = cmd(web, "conv.list", obj()).get("conversations");
        JsonNode onPhone = cmd(phone, "conv.list", obj()).get("conversations");
        assertEquals(5, onWeb.size());
        assertEquals(onWeb, onPhone, "both devices see the same list");
        for (JsonNode c : onWeb) {
            String id = c.get("conversationId").asText();
            long readSeq = c.get("readSeq").asLong();
            assertEquals(highestRead.getOrDefault(id, 0L), readSeq, "readSeq of " + id);
            long expected = byConversation.get(id).stream()
                    .filter(msg -> msg.get("seq").asLong() > readSeq && !msg.get("from").asText().equals(target.id()))
                    .count();
            assertEquals(expected, c.get("unread").asLong(), "unread of " + id);
            List<JsonNode> messages = byConversation.get(id);
            assertEquals(messages.get(messages.size() - 1).get("seq").asLong(), c.get("lastMessage").get("seq").asLong());
        }
        web.close();
        phone.close();
        friendSessions.forEach(ChatSession::close);
    }

    private static JsonNode only(JsonNode conversations, String conversationId) {
        for (JsonNode c : conversations) {
            if (c.get("conversationId").asText().equals(conversationId)) {
                return c;
            }
        }
        throw new AssertionError(conversationId + " is not in " + conversations);
    }

    private static List<String> ids(JsonNode conversations) {
        List<String> ids = new ArrayList<>();
        conversations.forEach(c -> ids.add(c.get("conversationId").asText()));
        return ids;
    }
}
