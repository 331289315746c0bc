package dev.tinyim.gateway.ws;

import dev.tinyim.shared.testing.LocalInfrastructure;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's WebSocket limits of PROTOCOL.md section 2, on a gateway started in this JVM (Redis and the keys of
 * the test stack; no backend is needed, since the frames are refused before any command runs): a message over
 * 64 KiB closes with 1009 whether it comes as one frame or several, a binary frame with 1003, and a message
 * under the limit is answered.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfrastructure.class, restrictToAnnotatedClass = true)
class FrameLimitsTest {
    private static Vertx vertx;
    private static WebSocketClient client;

    @TestHTTPResource("/ws")
    URI ws;

    @BeforeAll
    static void client() {
        vertx = Vertx.vertx();
        // frames as large as the test writes them: the client itself must not split or refuse them
        client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(4 << 20).setMaxMessageSize(4 << 20));
    }

    @AfterAll
    static void close() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    private static String ping(int padding) {
        return "{\"type\":\"ping\",\"id\":\"p\",\"data\":{\"pad\":\"" + "x".repeat(padding) + "\"}}";
    }

    /** Opens /ws, writes the frames, and answers the close code the gateway sent (1006: closed without one). */
    private int closeCodeAfter(Consumer<WebSocket> write) throws Exception {
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket socket = client.connect(new WebSocketConnectOptions().setHost(ws.getHost()).setPort(ws.getPort()).setURI("/ws"))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        socket.closeHandler(ignored -> closed.complete(socket.closeStatusCode() == null ? 1006 : (int) socket.closeStatusCode()));
        write.accept(socket);
        return closed.get(10, TimeUnit.SECONDS);
    }

    @Test
    void oneFrameOver64KiBClosesWith1009() throws Exception {
        assertEquals(1009, closeCodeAfter(s -> s.writeFrame(WebSocketFrame.textFrame(ping(70 * 1024), true))));
    }

    @Test
    void aFrameFarOverTheLimitClosesWith1009Too() throws Exception {
        assertEquals(1009, closeCodeAfter(s -> s.writeFrame(WebSocketFrame.textFrame(ping(2 << 20), true))));
    }

    @Test
    void aMessageOfSeveralFramesOver64KiBClosesWith1009() throws Exception {
        String text = ping(90 * 1024);
        int third = text.length() / 3;
        assertEquals(1009, closeCodeAfter(s -> {
            s.writeFrame(WebSocketFrame.textFrame(text.substring(0, third), false));
            s.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(text.substring(third, 2 * third)), false));
            s.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(text.substring(2 * third)), true));
        }));
    }

    @Test
    void aBinaryFrameClosesWith1003() throws Exception {
        assertEquals(1003, closeCodeAfter(s -> s.writeFrame(WebSocketFrame.binaryFrame(Buffer.buffer(new byte[] {1, 2, 3}), true))));
    }

    @Test
    void aFrameJustUnderTheLimitIsAnswered() throws Exception {
        CompletableFuture<String> answer = new CompletableFuture<>();
        WebSocket socket = client.connect(new WebSocketConnectOptions().setHost(ws.getHost()).setPort(ws.getPort()).setURI("/ws"))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        socket.textMessageHandler(answer::complete);
        socket.writeFrame(WebSocketFrame.textFrame(ping(63 * 1024), true));
        // not authenticated yet: a result, not a close
        String result = answer.get(10, TimeUnit.SECONDS);
        assertTrue(result.contains("\"code\":\"unauthorized\""), result);
        assertTrue(!socket.isClosed(), "the connection stays open");
        socket.close();
    }
}
