package dev.tinyim.client;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 23: TinyIM on a Redis Cluster (./tinyim up --redis cluster: three masters, each with a replica). Under a
 * steady 1:1 load the master that holds gateway-0's push stream is killed with kill -9; its replica takes over.
 * Nothing acknowledged is lost (the timelines are in MariaDB), every timeline stays gap-free, and pushes through
 * gateway-0 resume: the longest pause a receiver saw is printed. {@code ./tinyim test} runs it on its second stack
 * (tag {@code scaled}), which runs on a Redis Cluster; the killed node is started again afterwards and rejoins.
 */
@Tag("scaled")
class RedisClusterTest {
    private static final int USERS = 8; // friends in pairs (0,1) (2,3) ...; even users on gateway-0, odd on gateway-1

    @Test
    void aLostMasterLosesNoAcknowledgedMessageAndPushesResume() throws Exception {
        assertEquals("cluster", System.getenv("TINYIM_TEST_REDIS_MODE"), "the stack runs on a Redis Cluster (./tinyim up --redis cluster)");
        List<User> users = new ArrayList<>();
        List<ChatSession> sessions = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
            users.add(newUser("rcluster"));
            sessions.add(connectKept(users.get(i), i % 2));
        }
        for (int i = 0; i < USERS; i += 2) {
            befriend(sessions.get(i), users.get(i + 1), sessions.get(i + 1));
        }
        // when each receiver on gateway-0 got its msg events
        List<List<Long>> pushTimes = new ArrayList<>();
        for (int i = 0; i < USERS; i += 2) {
            List<Long> times = new java.util.concurrent.CopyOnWriteArrayList<>();
            pushTimes.add(times);
            sessions.get(i).events().subscribe().with(e -> {
                if (e.get("type").asText().equals("msg")) {
                    times.add(System.currentTimeMillis());
                }
            });
        }
        Map<String, Long> seqOf = new ConcurrentHashMap<>();
        Map<String, String> failures = new ConcurrentHashMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        int[] sent = new int[USERS];
        ExecutorService pool = Executors.newFixedThreadPool(USERS);
        List<Future<?>> running = new ArrayList<>();
        for (int s = 0; s < USERS; s++) {
            int sender = s;
            running.add(pool.submit(() -> {
                int n = 0;
                while (!stop.get()) {
                    String id = "r" + sender + "-" + n;
                    try {
                        seqOf.put(id, send(sessions.get(sender), "user", users.get(sender ^ 1).id(), id, "msg " + id).get("seq").asLong());
                    } catch (TinyImException e) {
                        failures.put(id, e.code());
                        sleep(100);
                    }
                    n++;
                    sent[sender] = n;
                    sleep(25);
                }
            }));
        }
        sleep(3_000);
        long killedAt = System.currentTimeMillis();
        String out = launcher("kill-redis-master", "tinyim:push:gateway-0");
        assertTrue(out.contains("took over"), out);
        sleep(8_000);
        stop.set(true);
        for (Future<?> f : running) {
            f.get();
        }
        pool.shutdown();

        // pushes to the receivers on gateway-0: the longest pause between two msg events, and that they came back
        long longestPause = 0;
        long lastPush = 0;
        for (List<Long> times : pushTimes) {
            for (int k = 1; k < times.size(); k++) {
                if (times.get(k) > killedAt - 1_000) {
                    longestPause = Math.max(longestPause, times.get(k) - times.get(k - 1));
                }
            }
            if (!times.isEmpty()) {
                lastPush = Math.max(lastPush, times.get(times.size() - 1));
            }
        }
        System.out.printf("redis cluster: %s; %d acknowledged, %d failed (resent); longest push pause on gateway-0 %d ms%n",
                out.strip().replace('\n', ' '), seqOf.size(), failures.size(), longestPause);
        assertTrue(lastPush > killedAt + 5_000, "pushes through gateway-0 resumed after the master was lost");
        failures.values().forEach(code -> assertEquals("unavailable", code, "a lost Redis master is unavailable at worst, never internal"));

        for (String id : failures.keySet()) {
            int sender = Integer.parseInt(id.substring(1).split("-")[0]);
            seqOf.put(id, send(sessions.get(sender), "user", users.get(sender ^ 1).id(), id, "msg " + id).get("seq").asLong());
        }
        for (int i = 0; i < USERS; i++) {
            Set<String> copies = checkedTimeline(sessions.get(i), users.get(i), seqOf, "r");
            int expected = 0;
            for (int s : new int[] {i, i ^ 1}) {
                for (int n = 0; n < sent[s]; n++) {
                    if (seqOf.containsKey("r" + s + "-" + n)) {
                        expected++;
                        assertTrue(copies.contains(users.get(s).id() + "/r" + s + "-" + n), "user " + i + " has r" + s + "-" + n);
                    }
                }
            }
            assertEquals(expected, copies.size(), "user " + i + " has every acknowledged message and nothing else");
        }
        sessions.forEach(ChatSession::close);
        launcher("infra-up"); // the killed node starts again and rejoins as a replica
    }
}
