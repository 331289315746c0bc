package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The SDK's ReconnectingSession when its gateway crashes (kill -9): it reconnects through dispatch to the other
 * gateway and delivers the timeline in order, each seq once, including what was sent while it was away.
 */
class ReconnectingSessionTest {

    @Test
    void aCrashedGatewaysClientReconnectsElsewhereAndMissesNothing() throws Exception {
        User reader = newUser("survivor");
        User writer = newUser("writer");
        // the SDK knows both gateways: whichever crashes, dispatch is still reachable through the other
        TinyImClient rest = new TinyImClient(GATEWAYS.toArray(String[]::new));
        ReconnectingSession session = ReconnectingSession.create(rest, reader.token(), 0, java.time.Duration.ofSeconds(1));
        List<JsonNode> delivered = new CopyOnWriteArrayList<>();
        session.messages().subscribe().with(delivered::add);
        session.start().await().atMost(WAIT);
        int crashed = session.url().equals(wsUrl(0)) ? 0 : 1;
        ChatSession w = connectKept(writer, 1 - crashed);
        ChatSession r = ChatSession.open(wsUrl(1 - crashed), login(reader.username(), "mobile").token(), false).await().atMost(WAIT);
        befriend(w, reader, r);
        r.close();
        for (int i = 1; i <= 3; i++) {
            send(w, "user", reader.id(), "before-" + i, "before " + i);
        }
        awaitCount(delivered, 3);

        launcher("kill-service", "gateway-" + crashed);
        try {
            for (int i = 1; i <= 3; i++) {
                send(w, "user", reader.id(), "during-" + i, "during " + i);
            }
            awaitCount(delivered, 6);
            assertEquals(wsUrl(1 - crashed), session.url(), "reconnected to the gateway that is still up");
            assertEquals(1, session.reconnects(), "one reconnect: the crash (pings kept it from the heartbeat close)");
            send(w, "user", reader.id(), "after", "after");
            awaitCount(delivered, 7);
            for (int i = 0; i < delivered.size(); i++) {
                assertEquals(i + 1, delivered.get(i).get("seq").asLong(), "in order, each once");
            }
            assertEquals("after", delivered.get(6).get("content").get("text").asText());
            sleep(500);
            assertEquals(7, delivered.size(), "nothing delivered twice");
        } finally {
            session.close();
            w.close();
            launcher("start-service", "gateway-" + crashed);
        }
    }

    private static void awaitCount(List<JsonNode> delivered, int count) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (delivered.size() < count && System.currentTimeMillis() < deadline) {
            sleep(50);
        }
        assertEquals(count, delivered.size(), "messages delivered: " + delivered);
    }
}
