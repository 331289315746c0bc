package dev.tinyim.client;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

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
        SteadyLoad load = new SteadyLoad("r", USERS, false);
        // when each receiver on gateway-0 got its msg events
        List<List<Long>> pushTimes = new ArrayList<>();
        for (int i = 0; i < USERS; i += 2) {
            List<Long> times = new java.util.concurrent.CopyOnWriteArrayList<>();
            pushTimes.add(times);
            load.sessions().get(i).events().subscribe().with(e -> {
                if (e.get("type").asText().equals("msg")) {
                    times.add(System.currentTimeMillis());
                }
            });
        }
        load.start();
        sleep(3_000);
        long killedAt = System.currentTimeMillis();
        String out = launcher("kill-redis-master", "tinyim:push:gateway-0");
        assertTrue(out.contains("took over"), out);
        sleep(8_000);
        load.stop();

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
                out.strip().replace('\n', ' '), load.acknowledged(), load.failures().size(), longestPause);
        assertTrue(lastPush > killedAt + 5_000, "pushes through gateway-0 resumed after the master was lost");
        load.failures().values().forEach(code -> assertEquals("unavailable", code, "a lost Redis master is unavailable at worst, never internal"));
        load.resendFailed();
        load.assertEveryTimelineExact();
        load.close();
        launcher("infra-up"); // the killed node starts again and rejoins as a replica
    }
}
