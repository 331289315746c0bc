package dev.tinyim.client;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The load generator still works end to end (not a performance test: the numbers are in docs/performance.md):
 * seeding through the fast path, short p2p and group runs whose final sync finds nothing lost or duplicated, a
 * connect run spread over three source addresses, and a storm that restarts a gateway under load.
 */
class LoadGeneratorTest {

    /** One seed serves every scenario below: each run uses fresh clientMsgIds and checks only its own messages. */
    @BeforeAll
    static void seed() throws Exception {
        String seeded = launcher("seed", "--users", "40", "--friends", "2", "--groups", "1", "--group-size", "10");
        assertTrue(seeded.contains("seed: 40 users"), seeded);
    }

    @Test
    void p2pAndGroupRunsReportNoLoss() throws Exception {
        // two phases (30 msg/s for 1 s, 15 msg/s for 2 s): 60 sends, a per-second table and a summary per phase
        String p2p = launcher("bench", "p2p", "--users", "20", "--phases", "30:1,15:2", "--heartbeat", "1");
        assertTrue(p2p.contains("== p2p"), p2p);
        assertTrue(p2p.matches("(?s).*\\n\\s+2\\s+15\\s+1[4-6]\\s+1[4-6]\\s+0\\s.*"), "second 2: 15 offered, about 15 sent and accepted, 0 refused:\n" + p2p);
        assertTrue(p2p.contains("phase 2") && p2p.contains("seconds until p99 < 100.0 ms"), p2p);
        assertTrue(p2p.matches("(?s).*acknowledged\\s+60\\n.*"), "every one of the 60 sends acknowledged:\n" + p2p);
        assertTrue(p2p.matches("(?s).*\\n\\s+lost\\s+0\\n.*"), p2p);
        assertTrue(p2p.matches("(?s).*\\n\\s+duplicated\\s+0\\n.*"), p2p);
        assertTrue(p2p.contains("JSON: "), p2p);

        String group = launcher("bench", "group", "--groups", "1", "--online", "5", "--rate", "5", "--duration", "3", "--heartbeat", "1");
        assertTrue(group.contains("timeline entries written per second"), group);
        assertTrue(group.matches("(?s).*\\n\\s+lost\\s+0\\n.*"), group);
        assertTrue(group.matches("(?s).*timeline entries checked\\s+75\\n.*"), "15 messages x 5 online members:\n" + group);
        assertTrue(group.contains("CPU ms/msg (while sending)"), group);
        assertTrue(group.matches("(?s).*wake-ups/msg\\n.*\\n\\s+chat\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+\\s+[0-9.]+\\s+([0-9.]+|-)\\n.*"),
                "chat's CPU and wake-ups per message in the window ('-' when threads ended in it):\n" + group);
    }

    @Test
    void aRunPingsAsOftenAsTheGatewaysAskWithoutBeingTold() throws Exception {
        // the test stack's gateways close a connection silent for 3 s (4008); no --heartbeat here: at 2 msg/s over 20
        // users a connection sends every 10 s on average, so it stays open only if the generator reads the timeout
        String p2p = launcher("bench", "p2p", "--users", "20", "--rate", "2", "--duration", "8", "--warmup", "0",
                "--generator-warmup", "0");
        assertTrue(p2p.contains("gateways close silent connections after 3.0 s: pinging at least every 1.0 s"), p2p);
        assertTrue(p2p.matches("(?s).*acknowledged\\s+16\\n.*"), "every one of the 16 sends acknowledged:\n" + p2p);
        assertTrue(p2p.matches("(?s).*sessions closed before the final sync \\(not checked\\)\\s+0\\n.*"), p2p);
        assertTrue(p2p.matches("(?s).*\\n\\s+errors\\s+none\\n.*"), p2p);
        assertTrue(p2p.matches("(?s).*\\n\\s+lost\\s+0\\n.*"), p2p);
    }

    @Test
    void aRunStillGoingAtItsDeadlineStopsWithAMessageAndExitCode3() {
        long began = System.nanoTime();
        AssertionError stopped = assertThrows(AssertionError.class,
                () -> launcher("bench", "p2p", "--users", "4", "--rate", "2", "--duration", "60", "--deadline", "5"));
        assertTrue(stopped.getMessage().contains("failed (exit 3)"), stopped.getMessage());
        assertTrue(stopped.getMessage().contains("bench p2p: stopped at its deadline of 5 s (--deadline)"), stopped.getMessage());
        assertTrue(System.nanoTime() - began < 40_000_000_000L, "it stopped at the deadline, not after the 60 s run");
    }

    @Test
    void aRunAskingForMoreUsersThanAreSeededIsRefusedNotShrunk() {
        // it once ran with the 500 users a later seed had left, while its command said 2,000 (docs/history/measurements.md)
        AssertionError refused = assertThrows(AssertionError.class,
                () -> launcher("bench", "p2p", "--users", "100", "--rate", "10", "--duration", "1"));
        assertTrue(refused.getMessage().contains("bench: --users 100, but the seeded tokens have only 40"), refused.getMessage());
        assertFalse(refused.getMessage().contains("connections open"), "refused before connecting: " + refused.getMessage());
    }

    @Test
    void roundtripMeasuresTheMachinesCostOfOneBareHop() throws Exception {
        String trip = launcher("bench", "roundtrip", "--rate", "200", "--duration", "1", "--size", "64");
        assertTrue(trip.matches("(?s).*round trips\\s+200\\n.*"), trip);
        assertTrue(trip.matches("(?s).*bytes each way\\s+64\\n.*"), trip);
        // CPU is read from /proc in 10 ms ticks: 200 round trips may show 0, but never a negative or missing value
        assertTrue(trip.matches("(?s).*both, ms per round trip\\s+[0-9]+\\.[0-9]+\\n.*"), trip);
        assertTrue(trip.matches("(?s).*echo wake-ups per round trip\\s+[0-9.]+\\n.*"), trip);
        assertTrue(trip.matches("(?s).*round trip p50 microseconds\\s+[1-9][0-9]*\\n.*"), "a round trip takes time:\n" + trip);
        assertTrue(trip.contains("JSON: "), trip);
    }

    @Test
    void connectSpreadsOverSourceAddressesAndReportsHeapPerConnection() throws Exception {
        String connect = launcher("bench", "connect", "--connections", "30", "--per-source", "10", "--ramp", "100",
                "--hold", "2", "--heartbeat", "1");
        assertTrue(connect.matches("(?s).*connections open\\s+30\\n.*"), connect);
        assertTrue(connect.matches("(?s).*source addresses\\s+3\\n.*"), "127.0.0.1-3 used:\n" + connect);
        assertTrue(connect.matches("(?s).*closed during hold\\s+0\\n.*"), connect);
        assertTrue(connect.matches("(?s).*heap per connection \\(KB\\)\\s+-?[0-9.]+\\n.*"), connect);
        assertTrue(connect.matches("(?s).*\\n\\s+errors\\s+none\\n.*"), connect);
    }

    @Test
    void stormRestartsAGatewayAndEveryClientComesBackWithNothingLost() throws Exception {
        String storm = launcher("bench", "storm", "--users", "20", "--rate", "5", "--warmup", "2", "--heartbeat", "1");
        assertTrue(storm.contains("all moved and synced after (s)"), storm);
        assertTrue(storm.matches("(?s).*\\n\\s+lost\\s+0\\n.*"), storm);
        assertTrue(storm.matches("(?s).*\\n\\s+duplicated\\s+0\\n.*"), storm);
        var ready = httpGet(GATEWAYS.get(1) + "/q/health/ready");
        assertEquals(200, ready.statusCode(), "the restarted gateway-1 is ready again: " + ready.body());
    }
}
