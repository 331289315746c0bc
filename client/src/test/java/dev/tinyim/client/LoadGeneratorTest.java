package dev.tinyim.client;

import org.junit.jupiter.api.Test;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The load generator still works end to end (not a performance test: the numbers are in docs/benchmarks.md):
 * seeding through the fast path, then short p2p and group runs whose final sync finds nothing lost or duplicated.
 */
class LoadGeneratorTest {

    @Test
    void seedThenP2pAndGroupRunsReportNoLoss() throws Exception {
        String seeded = launcher("seed", "--users", "40", "--friends", "2", "--groups", "1", "--group-size", "10");
        assertTrue(seeded.contains("seed: 40 users"), seeded);

        String p2p = launcher("bench", "p2p", "--users", "20", "--rate", "20", "--duration", "3", "--heartbeat", "1");
        assertTrue(p2p.contains("== p2p"), p2p);
        assertTrue(p2p.matches("(?s).*acknowledged\\s+60\\n.*"), "every one of the 60 sends acknowledged:\n" + p2p);
        assertTrue(p2p.matches("(?s).*\\n\\s+lost\\s+0\\n.*"), p2p);
        assertTrue(p2p.matches("(?s).*\\n\\s+duplicated\\s+0\\n.*"), p2p);
        assertTrue(p2p.contains("JSON: "), p2p);

        String group = launcher("bench", "group", "--groups", "1", "--online", "5", "--rate", "5", "--duration", "3", "--heartbeat", "1");
        assertTrue(group.contains("timeline entries written per second"), group);
        assertTrue(group.matches("(?s).*\\n\\s+lost\\s+0\\n.*"), group);
        assertTrue(group.matches("(?s).*timeline entries checked\\s+75\\n.*"), "15 messages x 5 online members:\n" + group);
    }
}
