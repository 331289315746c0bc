package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Graceful shutdown (PROTOCOL.md section 2): SIGTERM to gateway-1 while clients are connected to it. They get
 * {@code reconnect}, then 1012; dispatch no longer hands out the draining gateway; the clients reconnect through
 * dispatch to gateway-0 and sync what was sent meanwhile. Gateway-1 is started again afterwards.
 */
class GatewayDrainTest {

    @Test
    void sigtermDrainsClientsToTheOtherGatewayWithNothingLost() throws Exception {
        User alice = newUser("drained");
        User bob = newUser("staying");
        ChatSession a = connectKept(alice, 1);
        ChatSession b = connectKept(bob, 0);
        befriend(b, alice, a);
        // carol is on the same gateway and does not come back after the drain
        User carol = newUser("gone");
        ChatSession c = connectKept(carol, 1);
        befriend(b, carol, c);
        sleep(2_000); // the presence of the connections just opened is announced
        int aliceSeen = PresenceTest.presenceCount(b, alice.id());
        int carolSeen = PresenceTest.presenceCount(b, carol.id());
        send(b, "user", alice.id(), "before", "before the restart");
        awaitEvent(a, "msg");

        long started = System.currentTimeMillis();
        Process stop = new ProcessBuilder(required("TINYIM_TEST_LAUNCHER"), "stop-service", "gateway-1")
                .redirectErrorStream(true).start();
        try {
            JsonNode reconnect = awaitEvent(a, "reconnect");
            assertEquals("shutdown", reconnect.get("data").get("reason").asText());
            // from the moment clients are told to move, dispatch only hands out gateway-0
            for (int i = 0; i < 4; i++) {
                JsonNode d = gateway(0).get("/api/v1/dispatch").await().atMost(WAIT).body();
                assertEquals("gateway-0", d.get("gatewayId").asText(), "dispatch skips the draining gateway");
            }
            assertEquals(1012, awaitClose(a));
            assertFalse(b.isClosed(), "clients of the other gateway are untouched");

            // sent while alice is between gateways
            send(b, "user", alice.id(), "during", "while you moved");

            String url = gateway(0).dispatch().await().atMost(WAIT);
            assertEquals(wsUrl(0), url);
            ChatSession again = ChatSession.open(url, alice.token(), false).await().atMost(WAIT)
                    .keepAlive(java.time.Duration.ofSeconds(1));
            assertEquals(2, again.authResult().get("maxSeq").asLong());
            List<JsonNode> missed = syncAll(again, 1);
            assertEquals(1, missed.size());
            assertEquals("while you moved", missed.get(0).get("content").get("text").asText());
            send(b, "user", alice.id(), "after", "welcome back");
            assertEquals("welcome back", awaitEvent(again, "msg").get("data").get("content").get("text").asText());

            assertTrue(stop.waitFor(30, TimeUnit.SECONDS), "gateway-1 stopped within its shutdown timeout");
            assertEquals(0, stop.exitValue(), new String(stop.getInputStream().readAllBytes()));
            long took = System.currentTimeMillis() - started;
            assertTrue(took < 20_000, "drain took " + took + " ms, more than tinyim.gateway.shutdown-timeout");

            // presence (PROTOCOL.md 7.1): carol, who did not come back, goes offline once the stopped gateway's
            // routes are reaped; alice, who moved, never looked offline to her friend
            long deadline = System.currentTimeMillis() + 45_000;
            while (PresenceTest.presenceCount(b, carol.id()) == carolSeen && System.currentTimeMillis() < deadline) {
                sleep(100);
            }
            JsonNode gone = PresenceTest.awaitPresence(b, carol.id(), carolSeen + 1);
            assertFalse(gone.get("online").asBoolean(), "carol went offline: " + gone);
            System.out.printf("presence: carol offline %d ms after the SIGTERM%n", System.currentTimeMillis() - started);
            sleep(1_500);
            assertEquals(aliceSeen, PresenceTest.presenceCount(b, alice.id()), "alice moved without a presence event");
            again.close();
            b.close();
        } finally {
            stop.waitFor(30, TimeUnit.SECONDS);
            launcher("start-service", "gateway-1");
        }
        // back in rotation: dispatch hands out both again
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 4; i++) {
            seen.add(gateway(0).get("/api/v1/dispatch").await().atMost(WAIT).body().get("gatewayId").asText());
        }
        assertEquals(java.util.Set.of("gateway-0", "gateway-1"), seen);
    }
}
