package dev.tinyim.client.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tinyim.client.CommandFrames;
import dev.tinyim.client.ConnectionClosedException;
import dev.tinyim.client.TinyImException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One load-generator connection, on Vert.x event loops (two for the whole generator): a frame in or out costs
 * no thread hand-off, so the generator spends far less CPU than the SDK's {@code java.net.http} sessions on the
 * rates it measures (docs/history/measurements.md). It offers {@code permessage-deflate} as browsers do (unless
 * {@code --compression false}), and reports whether the gateway accepted it.
 */
final class LoadSession {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The generator's event loops (the machine's two cores). */
    private static final int LOOP_COUNT = 2;
    private static final Vertx VERTX = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(LOOP_COUNT).setWorkerPoolSize(1)
            .setInternalBlockingPoolSize(1));
    private static final Map<String, WebSocketClient> CLIENTS = new ConcurrentHashMap<>();
    /**
     * The event loops the connections are dealt over, in turn. A connection lives on the loop of the context its
     * connect was called from, and a thread outside Vert.x gets one sticky context: opened from the scenario's
     * thread, every connection shared one loop and the other stayed idle (docs/history/measurements.md).
     */
    private static final io.vertx.core.Context[] LOOPS = java.util.stream.IntStream.range(0, LOOP_COUNT)
            .mapToObj(i -> ((io.vertx.core.impl.VertxInternal) VERTX).createEventLoopContext())
            .toArray(io.vertx.core.Context[]::new);
    private static final AtomicLong OPENED = new AtomicLong();

    private record Waiting(UniEmitter<? super JsonNode> emitter, long sentAt) {
    }

    private static final long COMMAND_TIMEOUT_MILLIS = 15_000;
    /** The error code a command gets when no result came within the timeout (not a PROTOCOL.md code: no answer at all). */
    static final String TIMED_OUT = "timeout";

    private final Map<String, Waiting> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile WebSocket socket;
    private volatile JsonNode authResult;
    private volatile UniEmitter<? super JsonNode> headerAuth;
    private volatile boolean closed;
    /** Given up on by {@link #open} (timed out): a socket that arrives after that is closed at once. */
    private volatile boolean abandoned;
    private volatile long lastSentAt = System.currentTimeMillis();
    private volatile Consumer<JsonNode> onEvent = frame -> { };
    private long timer = -1;
    private volatile io.vertx.core.Context context;

    private LoadSession() {
    }

    /** A client per (source address, compression offer): each client keeps its own connection pool options. */
    private static WebSocketClient client(String localAddress, boolean compression) {
        return CLIENTS.computeIfAbsent(localAddress + "/" + compression, k -> VERTX.createWebSocketClient(
                new WebSocketClientOptions().setLocalAddress(localAddress).setMaxConnections(100_000)
                        .setTryUsePerMessageCompression(compression).setConnectTimeout(30_000)
                        .setMaxFrameSize(65536).setMaxMessageSize(1 << 20)));
    }

    /** Opens that failed once and were tried again (see {@link #open}); the scenarios report it. */
    static final AtomicLong RETRIED_OPENS = new AtomicLong();
    private static final AtomicLong TOLD = new AtomicLong();
    private static final Duration OPEN_TIMEOUT = Duration.ofSeconds(30);

    /**
     * Opens a connection from {@code localAddress} with the token in the Authorization header, and waits for its
     * auth result. An open that fails (no upgrade or no auth result within 30 s, refused, closed) is tried again
     * twice, a second apart, as a real client reconnects, and counted in {@link #RETRIED_OPENS}; the first few
     * failures are printed with the step they reached.
     */
    static Uni<LoadSession> open(String localAddress, String url, String token, boolean compression) {
        return Uni.createFrom().deferred(() -> openOnce(localAddress, url, token, compression))
                .onFailure(LoadSession::worthRetrying).invoke(failure -> {
                    RETRIED_OPENS.incrementAndGet();
                    if (TOLD.incrementAndGet() <= 5) {
                        System.out.println("  connect to " + url + " failed, trying again: " + failure);
                    }
                })
                .onFailure(LoadSession::worthRetrying).retry().withBackOff(Duration.ofSeconds(1)).atMost(2);
    }

    /** Not a refused token (4003, or an auth error answered): trying again could not help. */
    private static boolean worthRetrying(Throwable failure) {
        if (failure instanceof ConnectionClosedException closed) {
            return closed.closeCode() != 4003;
        }
        return !(failure instanceof TinyImException t) || TIMED_OUT.equals(t.code());
    }

    /** One attempt, no retry: {@code bench connect} counts each failure as an error. */
    static Uni<LoadSession> openOnce(String localAddress, String url, String token, boolean compression) {
        LoadSession session = new LoadSession();
        URI uri = URI.create(url);
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(uri.getHost()).setPort(uri.getPort())
                .setURI(uri.getRawPath()).addHeader("Authorization", "Bearer " + token);
        return Uni.createFrom().<JsonNode>emitter(emitter -> {
                    session.headerAuth = emitter;
                    LOOPS[(int) (OPENED.getAndIncrement() % LOOPS.length)].runOnContext(onLoop -> client(localAddress, compression)
                            .connect(options).onComplete(ar -> {
                                if (ar.failed()) {
                                    emitter.fail(ar.cause());
                                } else {
                                    session.attach(ar.result());
                                }
                            }));
                })
                .ifNoItem().after(OPEN_TIMEOUT).failWith(() -> {
                    session.abandoned = true;
                    session.close();
                    return new TinyImException(TIMED_OUT, session.socket == null
                            ? "no WebSocket upgrade within " + OPEN_TIMEOUT.toSeconds() + " s"
                            : "upgraded, but no auth result within " + OPEN_TIMEOUT.toSeconds() + " s");
                })
                .invoke(result -> session.authResult = result)
                .replaceWith(session);
    }

    private void attach(WebSocket ws) {
        socket = ws;
        if (abandoned) {
            ws.close();
            return;
        }
        context = VERTX.getOrCreateContext();
        ws.textMessageHandler(this::onText);
        ws.closeHandler(ignored -> onClosed(ws.closeStatusCode() == null ? 1006 : ws.closeStatusCode()));
        ws.exceptionHandler(ignored -> onClosed(1006));
    }

    /** Whether the gateway agreed to compress this connection's frames. */
    boolean compressed() {
        String extensions = socket.headers() == null ? null : socket.headers().get("sec-websocket-extensions");
        return extensions != null && extensions.contains("permessage-deflate");
    }

    JsonNode authResult() {
        return authResult;
    }

    boolean isClosed() {
        return closed;
    }

    /** Server events (not results) go to this consumer, on an event loop. */
    LoadSession onEvent(Consumer<JsonNode> consumer) {
        onEvent = consumer;
        return this;
    }

    Uni<JsonNode> command(String type, JsonNode data) {
        String id = "c" + ids.incrementAndGet();
        String text = CommandFrames.command(type, id, data);
        return Uni.createFrom().<JsonNode>emitter(emitter -> {
                    if (closed) {
                        emitter.fail(new ConnectionClosedException(1006));
                        return;
                    }
                    long now = System.currentTimeMillis();
                    pending.put(id, new Waiting(emitter, now));
                    if (closed && pending.remove(id) != null) {
                        // closed between the check and the put (a command from a thread other than the connection's
                        // loop): onClosed has failed what was pending then, and no timer looks at this one any more
                        emitter.fail(new ConnectionClosedException(1006));
                        return;
                    }
                    lastSentAt = now;
                    socket.writeTextMessage(text);
                })
                .map(CommandFrames::dataOf);
    }

    /**
     * A {@code ping} whenever nothing was sent for {@code every} (PROTOCOL.md: at least every 30 s); the same
     * timer fails commands unanswered for 15 s (one timer per connection, not one per command).
     */
    LoadSession keepAlive(Duration every) {
        long millis = every.toMillis();
        timer = VERTX.setPeriodic(Math.min(millis / 4, 1000), id -> {
            if (closed) {
                VERTX.cancelTimer(id);
                return;
            }
            long now = System.currentTimeMillis();
            pending.entrySet().removeIf(e -> {
                boolean late = now - e.getValue().sentAt() > COMMAND_TIMEOUT_MILLIS;
                if (late) {
                    e.getValue().emitter().fail(new TinyImException(TIMED_OUT, "no result within 15 s"));
                }
                return late;
            });
            if (now - lastSentAt >= millis) {
                command("ping", null).subscribe().with(ok -> { }, error -> { });
            }
        });
        return this;
    }

    /** The event loop this connection's frames are handled on: writes from it need no hand-off. */
    io.vertx.core.Context context() {
        return context;
    }

    /**
     * Runs a task every millisecond on each event loop that holds some of {@code items} (their connections:
     * {@code sessionOf}), until it returns false: {@code taskOf} makes each loop's task from that loop's items, so
     * it sends from the connections the loop owns, with no hand-off between threads. The loops' timers start a
     * millisecond divided by their number apart: timers started together tick together, and what they send then
     * reaches the server in bursts that share its wake-ups, which independent clients seldom do. The latch opens
     * once every loop's task has returned false.
     */
    static <T> java.util.concurrent.CountDownLatch everyMillisecondOnTheirLoops(List<T> items,
            java.util.function.Function<T, LoadSession> sessionOf,
            java.util.function.Function<List<T>, java.util.function.BooleanSupplier> taskOf) {
        Map<io.vertx.core.Context, List<T>> byLoop = new java.util.LinkedHashMap<>();
        items.forEach(item -> byLoop.computeIfAbsent(sessionOf.apply(item).context(), c -> new java.util.ArrayList<>()).add(item));
        java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(byLoop.size());
        long origin = System.nanoTime();
        int index = 0;
        for (Map.Entry<io.vertx.core.Context, List<T>> loop : byLoop.entrySet()) {
            java.util.concurrent.locks.LockSupport.parkNanos(origin + index++ * 1_000_000L / byLoop.size() - System.nanoTime());
            java.util.function.BooleanSupplier task = taskOf.apply(loop.getValue());
            loop.getKey().runOnContext(ignored -> VERTX.setPeriodic(1, id -> {
                if (!task.getAsBoolean()) {
                    VERTX.cancelTimer(id);
                    stopped.countDown();
                }
            }));
        }
        return stopped;
    }

    /**
     * {@link #everyMillisecondOnTheirLoops} at a rate: {@code perSecond} calls of {@code action} a second until
     * {@code until} (nanoTime), spread evenly, each with a random one of {@code items} owned by the calling loop (so
     * each loop takes its items' share of the rate). The latch opens when every loop has stopped.
     */
    static <T> java.util.concurrent.CountDownLatch atRateOnTheirLoops(List<T> items, java.util.function.Function<T, LoadSession> sessionOf,
            double perSecond, long until, java.util.function.Consumer<T> action) {
        long begin = System.nanoTime();
        return everyMillisecondOnTheirLoops(items, sessionOf, mine -> {
            double perNano = perSecond * mine.size() / items.size() / 1e9;
            long[] done = {0};
            return () -> {
                long now = System.nanoTime();
                if (now >= until) {
                    return false;
                }
                for (long due = (long) ((now - begin) * perNano); done[0] < due; done[0]++) {
                    action.accept(mine.get(java.util.concurrent.ThreadLocalRandom.current().nextInt(mine.size())));
                }
                return true;
            };
        });
    }

    void close() {
        if (timer >= 0) {
            VERTX.cancelTimer(timer);
        }
        if (socket != null && !closed) {
            socket.close((short) 1000, "bye");
        }
    }

    private void onText(String text) {
        JsonNode frame;
        try {
            frame = JSON.readTree(text);
        } catch (Exception e) {
            return;
        }
        if ("result".equals(frame.path("type").asText())) {
            String id = frame.path("id").asText();
            Waiting waiting = pending.remove(id);
            if (waiting != null) {
                waiting.emitter().complete(frame);
            } else if ("auth".equals(id) && headerAuth != null) {
                if (frame.path("ok").asBoolean()) {
                    headerAuth.complete(frame.get("data"));
                } else {
                    headerAuth.fail(new TinyImException(frame.path("error").path("code").asText(), "auth refused"));
                }
            }
        } else {
            onEvent.accept(frame);
        }
    }

    private void onClosed(int code) {
        if (closed) {
            return;
        }
        closed = true;
        if (headerAuth != null) {
            headerAuth.fail(new ConnectionClosedException(code));
        }
        pending.values().forEach(w -> w.emitter().fail(new ConnectionClosedException(code)));
        pending.clear();
    }
}
