package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/** The connection layer of PROTOCOL.md section 2: framing errors, liveness, rate limit, dispatch. */
class ConnectionProtocolTest {

    @Test
    void malformedFramesGetBadRequestAndTheConnectionStays() {
        ChatSession s = connect(newUser("frames"), 0);
        JsonNode notJson = s.sendRaw(null, "{not json").await().atMost(WAIT);
        assertEquals("bad_request", notJson.get("error").get("code").asText());
        assertTrue(notJson.get("id").isNull());
        JsonNode noType = s.sendRaw("x1", "{\"id\":\"x1\",\"data\":{}}").await().atMost(WAIT);
        assertEquals("bad_request", noType.get("error").get("code").asText());
        JsonNode unknown = s.sendRaw("x2", "{\"type\":\"teleport\",\"id\":\"x2\",\"data\":{}}").await().atMost(WAIT);
        assertEquals("bad_request", unknown.get("error").get("code").asText());
        assertEquals("x2", unknown.get("id").asText());
        assertEquals("bad_request", errorOf(s, "user.get", obj().put("userId", "abc")));
        assertTrue(cmd(s, "ping", obj()).get("serverTime").asLong() > 0);
        s.close();
    }

    @Test
    void binaryFrameCloses1003() {
        ChatSession s = connect(newUser("binary"), 1);
        s.sendBinary(new byte[] {1, 2, 3}).await().atMost(WAIT);
        assertEquals(1003, awaitClose(s));
    }

    @Test
    void longMessageFromTheSdkCloses1009() {
        ChatSession s = connect(newUser("big"), 0);
        String text = "{\"type\":\"ping\",\"id\":\"p\",\"data\":{\"pad\":\"" + "x".repeat(70_000) + "\"}}";
        s.sendText(text).onFailure().recoverWithNull().await().atMost(WAIT);
        assertEquals(1009, awaitClose(s));
    }

    /**
     * The SDK (java.net.http) splits a long message into several frames; a client may as well send it as one
     * frame, which the gateway's decoder refuses before any message exists: that too closes with 1009, not by
     * dropping the connection (1006).
     */
    @Test
    void oneFrameOver64KiBCloses1009() throws Exception {
        User user = newUser("bigframe");
        Vertx vertx = Vertx.vertx();
        try {
            var client = vertx.createWebSocketClient(new WebSocketClientOptions()
                    .setMaxFrameSize(4 << 20).setMaxMessageSize(4 << 20));
            URI uri = URI.create(wsUrl(1));
            for (int padding : new int[] {70_000, 2_000_000}) {
                WebSocket socket = client.connect(new WebSocketConnectOptions().setHost(uri.getHost())
                                .setPort(uri.getPort()).setURI(uri.getPath()).addHeader("Authorization", "Bearer " + user.token()))
                        .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
                var closed = new CompletableFuture<Integer>();
                var authResult = new CompletableFuture<String>();
                socket.textMessageHandler(authResult::complete);
                socket.closeHandler(ignored -> closed.complete(socket.closeStatusCode() == null ? 1006 : (int) socket.closeStatusCode()));
                assertTrue(authResult.get(15, TimeUnit.SECONDS).contains("\"ok\":true"));
                socket.writeFrame(WebSocketFrame.textFrame(
                        "{\"type\":\"ping\",\"id\":\"p\",\"data\":{\"pad\":\"" + "x".repeat(padding) + "\"}}", true));
                assertEquals(1009, closed.get(15, TimeUnit.SECONDS), "a single frame of " + padding + " bytes");
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
        }
    }

    @Test
    void silentConnectionIsClosedAfterHeartbeatTimeout() {
        long timeout = Long.parseLong(required("TINYIM_TEST_HEARTBEAT_TIMEOUT_MS"));
        ChatSession quiet = connect(newUser("quiet"), 0);
        ChatSession chatty = connect(newUser("chatty"), 1).keepAlive(java.time.Duration.ofMillis(timeout / 3));
        assertEquals(4008, awaitClose(quiet));
        sleep(timeout);
        assertFalse(chatty.isClosed(), "the SDK's pings keep a connection alive");
        chatty.close();
    }

    @Test
    void unauthenticatedCommandIsRefused() {
        ChatSession s = ChatSession.raw(wsUrl(0), null).await().atMost(WAIT);
        JsonNode r = s.sendRaw("q", "{\"type\":\"friend.list\",\"id\":\"q\",\"data\":{}}").await().atMost(WAIT);
        assertEquals("unauthorized", r.get("error").get("code").asText());
        s.close();
    }

    @Test
    void floodIsRateLimited() {
        ChatSession s = connect(newUser("flood"), 0);
        int limited = 0;
        var results = new java.util.ArrayList<io.smallrye.mutiny.Uni<JsonNode>>();
        for (int i = 0; i < 160; i++) {
            results.add(s.sendRaw("f" + i, "{\"type\":\"ping\",\"id\":\"f" + i + "\",\"data\":{}}"));
        }
        for (var r : results) {
            JsonNode result = r.await().atMost(WAIT);
            if (!result.get("ok").asBoolean()) {
                assertEquals("rate_limited", result.get("error").get("code").asText());
                limited++;
            }
        }
        assertTrue(limited > 0, "a burst of 160 pings must meet the limit of 100");
        assertTrue(limited < 160 - 90, "the burst allowance is served first");
        s.close();
    }

    @Test
    void persistentFloodIsClosedWith1008() {
        ChatSession s = connect(newUser("abuser"), 1);
        // 100 pass on the burst allowance, the next ones are refused; past 200 refusals in 10 s the connection goes
        int sent = 0;
        while (sent < 1000 && !s.isClosed()) {
            s.sendText("{\"type\":\"ping\",\"id\":\"x" + sent++ + "\",\"data\":{}}").await().atMost(WAIT);
        }
        assertEquals(1008, awaitClose(s));
        assertTrue(sent >= 301, "closed after " + sent + " frames, before 200 refusals");
    }

    @Test
    void metricsCountConnectionsFramesErrorsAndPushLatency() {
        String gw = GATEWAYS.get(1);
        double pingsIn = metric(gw, "tinyim_gateway_frames_in_total{type=\"ping\"");
        double msgsOut = metric(gw, "tinyim_gateway_frames_out_total{type=\"msg\"");
        double badRequests = metric(gw, "tinyim_gateway_errors_total{code=\"bad_request\"");
        double pushes = metric(gw, "tinyim_gateway_push_latency_seconds_count");
        User a = newUser("metered");
        User b = newUser("metered");
        ChatSession as = connect(a, 0);
        ChatSession bs = connect(b, 1);
        assertTrue(metric(gw, "tinyim_gateway_connections") >= 1);
        befriend(as, b, bs);
        cmd(bs, "ping", obj());
        assertEquals("bad_request", errorOf(bs, "msg.sync", obj().put("afterSeq", -1)));
        send(as, "user", b.id(), "metered-1", "counted");
        awaitEvent(bs, "msg");
        assertTrue(metric(gw, "tinyim_gateway_frames_in_total{type=\"ping\"") >= pingsIn + 1);
        assertTrue(metric(gw, "tinyim_gateway_errors_total{code=\"bad_request\"") >= badRequests + 1);
        assertTrue(metric(gw, "tinyim_gateway_frames_out_total{type=\"msg\"") >= msgsOut + 1);
        assertTrue(metric(gw, "tinyim_gateway_push_latency_seconds_count") >= pushes + 1);
        for (String svc : List.of("auth", "relation", "chat")) {
            assertTrue(metric(service(svc), "jvm_memory_used_bytes") > 0, svc + " exports Prometheus metrics");
        }
        as.close();
        bs.close();
    }

    @Test
    void everyRestErrorCarriesTheProtocolBody() {
        TinyImClient rest = gateway(1);
        var unknown = rest.get("/api/v1/nothing-here").await().atMost(WAIT);
        assertEquals(404, unknown.status());
        assertEquals("not_found", unknown.errorCode());
        var wrongMethod = rest.get("/api/v1/auth/login").await().atMost(WAIT);
        assertEquals(405, wrongMethod.status());
        assertEquals("bad_request", wrongMethod.errorCode());
        var big = rest.post("/api/v1/auth/login", "{\"username\":\"" + "u".repeat(70_000) + "\"}", null).await().atMost(WAIT);
        assertEquals(413, big.status());
        assertEquals("too_large", big.errorCode());
        var broken = rest.post("/api/v1/auth/register", "{not json", null).await().atMost(WAIT);
        assertEquals(400, broken.status());
        assertEquals("bad_request", broken.errorCode());
        assertNotNull(broken.body().get("error").get("message").asText());
    }

    @Test
    void dispatchRoundRobinsOverBothGateways() {
        Set<String> seen = new HashSet<>();
        String previous = null;
        for (int i = 0; i < 4; i++) {
            JsonNode r = gateway(i % 2).get("/api/v1/dispatch").await().atMost(WAIT).body();
            String id = r.get("gatewayId").asText();
            assertTrue(r.get("url").asText().startsWith("ws://"));
            assertNotEquals(previous, id, "consecutive calls alternate");
            previous = id;
            seen.add(id);
        }
        assertEquals(2, seen.size());
    }
}
