package dev.tinyim.client;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 21: the primary database is lost under a steady 1:1 and group load (kill -9 of its mariadbd), the
 * replica is promoted ({@code ./tinyim failover}) and the services go on without a restart. Every send answered
 * ok is then in every recipient's timeline exactly once at the seq its result named, every timeline is gap-free,
 * the failures were only {@code unavailable}, and sends resumed within a bounded time (printed).
 * <p>
 * It leaves the stack on one database, so {@code ./tinyim test} runs it on a stack of its own, after the rest
 * (tag {@code own-stack}).
 */
@Tag("own-stack")
class FailoverTest {
    private static final int SENDERS = 6; // friends in pairs (0,1) (2,3) (4,5), all in one group

    @Test
    void losingThePrimaryUnderLoadLosesNoAcknowledgedMessage() throws Exception {
        List<User> users = new ArrayList<>();
        List<ChatSession> sessions = new ArrayList<>();
        for (int i = 0; i < SENDERS; i++) {
            users.add(newUser("failover"));
            sessions.add(connectKept(users.get(i), i % 2));
        }
        String gid = cmd(sessions.get(0), "group.create", obj().put("name", "failover")).get("group").get("groupId").asText();
        for (int i = 1; i < SENDERS; i++) {
            cmd(sessions.get(i), "group.join", obj().put("groupId", gid));
        }
        for (int i = 0; i < SENDERS; i += 2) {
            befriend(sessions.get(i), users.get(i + 1), sessions.get(i + 1));
        }
        String ready = httpGet(service("chat") + "/q/health/ready").body();
        assertTrue(ready.contains("\"semi-sync\": \"on"), "an acknowledged send is on the replica too before the loss: " + ready);

        Map<String, Long> seqOf = new ConcurrentHashMap<>();       // clientMsgId -> the sender's seq in its ok result
        Map<String, String> failures = new ConcurrentHashMap<>();  // clientMsgId -> error code
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
        AtomicLong firstOkAfterKill = new AtomicLong(Long.MAX_VALUE);
        int[] sent = new int[SENDERS];
        ExecutorService pool = Executors.newFixedThreadPool(SENDERS);
        List<Future<?>> running = new ArrayList<>();
        for (int s = 0; s < SENDERS; s++) {
            int sender = s;
            running.add(pool.submit(() -> {
                int n = 0;
                while (!stop.get()) {
                    String id = "f" + sender + "-" + n;
                    long issued = System.nanoTime();
                    try {
                        seqOf.put(id, cmd(sessions.get(sender), "msg.send", data(users, sender, n, gid, id)).get("seq").asLong());
                        if (issued > killedAt.get()) {
                            firstOkAfterKill.accumulateAndGet(System.nanoTime(), Math::min);
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
        sleep(3_000);
        int beforeKill = seqOf.size();
        assertTrue(beforeKill > 50, "the load runs before the loss: " + beforeKill);
        launcher("kill-service", "mariadb-primary"); // returns once the process is gone
        killedAt.set(System.nanoTime());
        sleep(1_000); // an operator (or a controller) notices
        String out = launcher("failover");
        long failedOverAt = System.nanoTime();
        long deadline = System.currentTimeMillis() + 30_000;
        while (firstOkAfterKill.get() == Long.MAX_VALUE && System.currentTimeMillis() < deadline) {
            sleep(100);
        }
        assertNotEquals(Long.MAX_VALUE, firstOkAfterKill.get(), "sends resumed after the failover");
        int atResume = seqOf.size();
        sleep(3_000); // and go on
        stop.set(true);
        for (Future<?> f : running) {
            f.get();
        }
        pool.shutdown();
        assertTrue(seqOf.size() > atResume + 50, "sends go on after the failover: " + atResume + " -> " + seqOf.size());
        long resumeMs = (firstOkAfterKill.get() - killedAt.get()) / 1_000_000;
        long afterFailoverMs = Math.max(0, (firstOkAfterKill.get() - failedOverAt) / 1_000_000);
        System.out.printf("failover: %d acknowledged before the kill, %d in all, %d failed (retried); first ok send %d ms after"
                        + " the kill, %d ms after the failover command returned; %s%n", beforeKill, seqOf.size(), failures.size(),
                resumeMs, afterFailoverMs, out.strip().replace('\n', ' '));
        assertTrue(afterFailoverMs < 10_000, "sends resumed within 10 s of the promotion: " + afterFailoverMs + " ms");
        failures.values().forEach(code -> assertEquals("unavailable", code, "a lost primary is unavailable, never internal"));

        // the client resends what failed, with the same clientMsgId: each is stored once, whether or not it was before
        for (String id : failures.keySet()) {
            String[] parts = id.substring(1).split("-");
            int sender = Integer.parseInt(parts[0]);
            seqOf.put(id, cmd(sessions.get(sender), "msg.send", data(users, sender, Integer.parseInt(parts[1]), gid, id)).get("seq").asLong());
        }
        for (int i = 0; i < SENDERS; i++) {
            java.util.Set<String> copies = checkedTimeline(sessions.get(i), users.get(i), seqOf, "f");
            int expected = 0;
            for (int s = 0; s < SENDERS; s++) {
                for (int n = 0; n < sent[s]; n++) {
                    String id = "f" + s + "-" + n;
                    if (seqOf.containsKey(id) && (n % 2 == 0 || s == i || (s ^ 1) == i)) {
                        expected++;
                        assertTrue(copies.contains(users.get(s).id() + "/" + id), "user " + i + " has " + id);
                    }
                }
            }
            assertEquals(expected, copies.size(), "user " + i + " has every acknowledged message and nothing else");
        }
        sessions.forEach(ChatSession::close);
    }

    /** Even n to the group, odd n to the sender's friend (0-1, 2-3, 4-5). */
    private static com.fasterxml.jackson.databind.node.ObjectNode data(List<User> users, int sender, int n, String gid, String id) {
        return n % 2 == 0 ? sendData("group", gid, id, "group " + id) : sendData("user", users.get(sender ^ 1).id(), id, "to friend " + id);
    }
}
