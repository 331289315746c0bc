package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One authenticated WebSocket: commands as {@link Uni} (failing with {@link TinyImException} by code),
 * server events as a {@link Multi}, and the close code once closed.
 */
public final class ChatSession implements WebSocket.Listener, CommandChannel {
    private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final BroadcastProcessor<JsonNode> events = BroadcastProcessor.create();
    private final CopyOnWriteArrayList<JsonNode> received = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final CompletableFuture<JsonNode> headerAuth = new CompletableFuture<>();
    private final AtomicLong ids = new AtomicLong();
    private final StringBuilder partial = new StringBuilder();
    private volatile WebSocket socket;
    private volatile String url;
    private volatile JsonNode authResult;
    /** java.net.http allows one outstanding send per WebSocket: each send starts when the previous one is done. */
    private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);
    private volatile long lastSentAt = System.currentTimeMillis();
    private volatile java.util.concurrent.ScheduledFuture<?> heartbeat;

    private static final java.util.concurrent.ScheduledExecutorService TIMER =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "tinyim-heartbeat");
                t.setDaemon(true);
                return t;
            });

    /** One HTTP client (one selector thread) for every connection that does not bring its own. */
    private static final HttpClient SHARED = HttpClient.newHttpClient();

    private final HttpClient http;
    private final boolean recordEvents;

    private ChatSession(HttpClient http, boolean recordEvents) {
        this.http = http;
        this.recordEvents = recordEvents;
    }

    private ChatSession() {
        this(SHARED, true);
    }

    /** Opens a connection; with {@code headerAuth} the token goes in the Authorization header, else in an auth frame. */
    public static Uni<ChatSession> open(String url, String token, boolean headerAuth) {
        ChatSession session = new ChatSession();
        return session.connect(url, headerAuth ? token : null)
                .chain(s -> headerAuth
                        ? Uni.createFrom().completionStage(session.headerAuth).ifNoItem().after(Duration.ofSeconds(10)).fail()
                        : s.command("auth", TinyImClient.JSON.createObjectNode().put("token", token)))
                .invoke(result -> session.authResult = result)
                .replaceWith(session);
    }

    /**
     * Opens a connection for load: through {@code http} (e.g. one bound to a chosen local address, see
     * {@link HttpClient.Builder#localAddress}), with the token in the header, keeping no list of received
     * events (subscribe to {@link #events()} instead).
     */
    public static Uni<ChatSession> openForLoad(HttpClient http, String url, String token) {
        ChatSession session = new ChatSession(http, false);
        return session.connect(url, token)
                .chain(s -> Uni.createFrom().completionStage(session.headerAuth).ifNoItem().after(Duration.ofSeconds(30)).fail())
                .invoke(result -> session.authResult = result)
                .replaceWith(session);
    }

    /** Opens a connection without authenticating (for tests of the unauthenticated path). */
    public static Uni<ChatSession> raw(String url, String headerToken) {
        return new ChatSession().connect(url, headerToken);
    }

    private Uni<ChatSession> connect(String url, String headerToken) {
        WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (headerToken != null) {
            builder.header("Authorization", "Bearer " + headerToken);
        }
        this.url = url;
        return Uni.createFrom().completionStage(() -> builder.buildAsync(URI.create(url), this))
                .invoke(ws -> socket = ws)
                .replaceWith(this);
    }

    /** The WebSocket URL this session connected to. */
    public String url() {
        return url;
    }

    public JsonNode authResult() {
        return authResult;
    }

    public Multi<JsonNode> events() {
        return events;
    }

    /** Every event frame received so far, in order. */
    public java.util.List<JsonNode> received() {
        return received;
    }

    public Uni<Integer> closeCode() {
        return Uni.createFrom().completionStage(closed);
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    public Uni<JsonNode> command(String type, JsonNode data) {
        String id = "c" + ids.incrementAndGet();
        return sendRaw(id, CommandFrames.command(type, id, data)).map(CommandFrames::dataOf);
    }

    /** Sends any text and waits for the result carrying {@code id} (null: the next result without an id). */
    public Uni<JsonNode> sendRaw(String id, String text) {
        CompletableFuture<JsonNode> future = new CompletableFuture<>();
        pending.put(id == null ? "<null>" : id, future);
        return Uni.createFrom().completionStage(() -> enqueue(ws -> ws.sendText(text, true)))
                .chain(() -> Uni.createFrom().completionStage(future))
                .ifNoItem().after(Duration.ofSeconds(15)).fail();
    }

    public Uni<Void> sendBinary(byte[] bytes) {
        return Uni.createFrom().completionStage(() -> enqueue(ws -> ws.sendBinary(ByteBuffer.wrap(bytes), true))).replaceWithVoid();
    }

    public Uni<Void> sendText(String text) {
        return Uni.createFrom().completionStage(() -> enqueue(ws -> ws.sendText(text, true))).replaceWithVoid();
    }

    private synchronized CompletableFuture<?> enqueue(java.util.function.Function<WebSocket, CompletableFuture<WebSocket>> send) {
        lastSentAt = System.currentTimeMillis();
        CompletableFuture<?> next = lastSend.handle((ignored, error) -> null).thenCompose(ignored -> send.apply(socket));
        lastSend = next;
        return next;
    }

    /**
     * Sends a {@code ping} whenever nothing was sent for {@code every} (PROTOCOL.md: at least every 30 s), until
     * the connection closes. Returns this session.
     */
    public ChatSession keepAlive(Duration every) {
        long millis = every.toMillis();
        heartbeat = TIMER.scheduleAtFixedRate(() -> {
            if (closed.isDone()) {
                heartbeat.cancel(false);
            } else if (System.currentTimeMillis() - lastSentAt >= millis) {
                command("ping", null).subscribe().with(ok -> { }, error -> { });
            }
        }, millis / 4, millis / 4, java.util.concurrent.TimeUnit.MILLISECONDS);
        return this;
    }

    public void close() {
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
        if (socket != null && !closed.isDone()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                JsonNode frame = TinyImClient.JSON.readTree(text);
                if ("result".equals(frame.path("type").asText())) {
                    String id = frame.get("id") == null || frame.get("id").isNull() ? "<null>" : frame.get("id").asText();
                    CompletableFuture<JsonNode> future = pending.remove(id);
                    if (future != null) {
                        future.complete(frame);
                    } else if ("auth".equals(id)) {
                        headerAuth.complete(frame.get("data"));
                    }
                } else {
                    if (recordEvents) {
                        received.add(frame);
                    }
                    events.onNext(frame);
                }
            } catch (Exception e) {
                // not JSON: ignore, the server only sends JSON
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        pending.values().forEach(f -> f.completeExceptionally(new ConnectionClosedException(statusCode)));
        headerAuth.completeExceptionally(new ConnectionClosedException(statusCode));
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(1006);
        pending.values().forEach(f -> f.completeExceptionally(new ConnectionClosedException(1006)));
        headerAuth.completeExceptionally(new ConnectionClosedException(1006));
    }
}
