package dev.tinyim.client;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The load the fault tests keep up while they break something: users in pairs of friends (0,1) (2,3) ..., on
 * alternate gateways, each sending in a loop; with a group every even message goes to the group, else all go to the
 * sender's friend. A failed send is recorded and resent with the same clientMsgId afterwards ({@link #resendFailed});
 * {@link #assertEveryTimelineExact} then checks that every user's timeline is gap-free and holds every acknowledged
 * message addressed to the user exactly once, at the seq its result named, and nothing else of this load.
 */
final class SteadyLoad {
    private final List<User> users = new ArrayList<>();
    private final List<ChatSession> sessions = new ArrayList<>();
    private final String prefix;
    private final String groupId;
    private final Map<String, Long> seqOf = new ConcurrentHashMap<>();       // clientMsgId -> the sender's seq in its ok result
    private final Map<String, String> failures = new ConcurrentHashMap<>();  // clientMsgId -> error code
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong firstOkIssuedAfter = new AtomicLong(Long.MAX_VALUE);
    private volatile long markNanos = Long.MAX_VALUE;
    private final int[] sent;
    private final List<Future<?>> running = new ArrayList<>();
    private ExecutorService pool;

    /** {@code count} new users (an even number), befriended in pairs, all in one group when {@code withGroup}. */
    SteadyLoad(String prefix, int count, boolean withGroup) {
        this.prefix = prefix;
        for (int i = 0; i < count; i++) {
            users.add(newUser(prefix));
            sessions.add(connectKept(users.get(i), i % 2));
        }
        String gid = null;
        if (withGroup) {
            gid = cmd(sessions.get(0), "group.create", obj().put("name", prefix)).get("group").get("groupId").asText();
            for (int i = 1; i < count; i++) {
                cmd(sessions.get(i), "group.join", obj().put("groupId", gid));
            }
        }
        this.groupId = gid;
        for (int i = 0; i < count; i += 2) {
            befriend(sessions.get(i), users.get(i + 1), sessions.get(i + 1));
        }
        this.sent = new int[count];
    }

    List<ChatSession> sessions() {
        return sessions;
    }

    SteadyLoad start() {
        pool = Executors.newFixedThreadPool(users.size());
        for (int s = 0; s < users.size(); s++) {
            int sender = s;
            running.add(pool.submit(() -> {
                int n = 0;
                while (!stop.get()) {
                    String id = prefix + sender + "-" + n;
                    long issued = System.nanoTime();
                    try {
                        seqOf.put(id, cmd(sessions.get(sender), "msg.send", data(sender, n, id)).get("seq").asLong());
                        if (issued > markNanos) {
                            firstOkIssuedAfter.accumulateAndGet(System.nanoTime(), Math::min);
                        }
                    } catch (TinyImException e) {
                        failures.put(id, e.code());
                        sleep(100);
                    }
                    n++;
                    sent[sender] = n;
                    sleep(20);
                }
            }));
        }
        return this;
    }

    /** From now on, the first ok of a send issued after this moment is recorded ({@link #firstOkAfterMark}). */
    void mark() {
        markNanos = System.nanoTime();
    }

    /** System.nanoTime() of the first ok answer to a send issued after {@link #mark}; Long.MAX_VALUE while none. */
    long firstOkAfterMark() {
        return firstOkIssuedAfter.get();
    }

    int acknowledged() {
        return seqOf.size();
    }

    Map<String, String> failures() {
        return failures;
    }

    void stop() throws Exception {
        stop.set(true);
        for (Future<?> f : running) {
            f.get();
        }
        pool.shutdown();
    }

    /** Resends every failed send with its clientMsgId, as a client would: each is stored once, whether or not it was. */
    void resendFailed() {
        for (String id : failures.keySet()) {
            String[] parts = id.substring(prefix.length()).split("-");
            int sender = Integer.parseInt(parts[0]);
            seqOf.put(id, cmd(sessions.get(sender), "msg.send", data(sender, Integer.parseInt(parts[1]), id)).get("seq").asLong());
        }
    }

    void assertEveryTimelineExact() {
        for (int i = 0; i < users.size(); i++) {
            Set<String> copies = checkedTimeline(sessions.get(i), users.get(i), seqOf, prefix);
            int expected = 0;
            for (int s = 0; s < users.size(); s++) {
                for (int n = 0; n < sent[s]; n++) {
                    String id = prefix + s + "-" + n;
                    if (seqOf.containsKey(id) && (toGroup(n) || s == i || (s ^ 1) == i)) {
                        expected++;
                        assertTrue(copies.contains(users.get(s).id() + "/" + id), "user " + i + " has " + id);
                    }
                }
            }
            assertEquals(expected, copies.size(), "user " + i + " has every acknowledged message and nothing else");
        }
    }

    /** Nothing was read: each conversation's unread is its entries from others in the timeline. */
    void assertUnreadExact() {
        for (int i = 0; i < users.size(); i++) {
            Map<String, Long> fromOthers = new java.util.HashMap<>();
            for (var msg : syncAll(sessions.get(i), 0)) {
                String type = msg.get("content").get("type").asText();
                if (!msg.get("from").asText().equals(users.get(i).id()) && (type.equals("text") || type.equals("system"))) {
                    fromOthers.merge(msg.get("conversationId").asText(), 1L, Long::sum);
                }
            }
            var conversations = cmd(sessions.get(i), "conv.list", obj()).get("conversations");
            assertEquals(groupId == null ? 1 : 2, conversations.size(), "the friend (and the group): " + conversations);
            for (var c : conversations) {
                String id = c.get("conversationId").asText();
                assertEquals(fromOthers.getOrDefault(id, 0L), c.get("unread").asLong(), "unread of " + id + " for " + users.get(i).username());
            }
        }
    }

    void close() {
        sessions.forEach(ChatSession::close);
    }

    private boolean toGroup(int n) {
        return groupId != null && n % 2 == 0;
    }

    private ObjectNode data(int sender, int n, String id) {
        return toGroup(n) ? sendData("group", groupId, id, "group " + id)
                : sendData("user", users.get(sender ^ 1).id(), id, "to friend " + id);
    }
}
