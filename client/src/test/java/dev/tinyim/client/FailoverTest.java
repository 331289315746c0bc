package dev.tinyim.client;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;


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
        SteadyLoad load = new SteadyLoad("f", SENDERS, true);
        String ready = httpGet(service("chat") + "/q/health/ready").body();
        assertTrue(ready.contains("\"semi-sync\": \"on"), "an acknowledged send is on the replica too before the loss: " + ready);
        load.start();
        sleep(3_000);
        int beforeKill = load.acknowledged();
        assertTrue(beforeKill > 50, "the load runs before the loss: " + beforeKill);
        launcher("kill-service", "mariadb-primary"); // returns once the process is gone
        long killedAt = System.nanoTime();
        load.mark();
        sleep(1_000); // an operator (or a controller) notices
        String out = launcher("failover");
        long failedOverAt = System.nanoTime();
        long deadline = System.currentTimeMillis() + 30_000;
        while (load.firstOkAfterMark() == Long.MAX_VALUE && System.currentTimeMillis() < deadline) {
            sleep(100);
        }
        assertNotEquals(Long.MAX_VALUE, load.firstOkAfterMark(), "sends resumed after the failover");
        int atResume = load.acknowledged();
        sleep(3_000); // and go on
        load.stop();
        assertTrue(load.acknowledged() > atResume + 50, "sends go on after the failover: " + atResume + " -> " + load.acknowledged());
        long resumeMs = (load.firstOkAfterMark() - killedAt) / 1_000_000;
        long afterFailoverMs = Math.max(0, (load.firstOkAfterMark() - failedOverAt) / 1_000_000);
        System.out.printf("failover: %d acknowledged before the kill, %d in all, %d failed (retried); first ok send %d ms after"
                        + " the kill, %d ms after the failover command returned; %s%n", beforeKill, load.acknowledged(), load.failures().size(),
                resumeMs, afterFailoverMs, out.strip().replace('\n', ' '));
        assertTrue(afterFailoverMs < 10_000, "sends resumed within 10 s of the promotion: " + afterFailoverMs + " ms");
        load.failures().values().forEach(code -> assertEquals("unavailable", code, "a lost primary is unavailable, never internal"));

        // the client resends what failed, with the same clientMsgId: each is stored once, whether or not it was before
        load.resendFailed();
        load.assertEveryTimelineExact();
        load.close();
    }
}
