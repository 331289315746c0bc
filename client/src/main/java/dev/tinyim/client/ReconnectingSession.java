package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A session that stays connected: it connects through dispatch, pings when idle, and after a drop, a gateway
 * restart (1012) or a heartbeat close reconnects with exponential backoff and syncs from the last seq it
 * delivered. {@link #messages()} delivers the timeline in seq order, each seq exactly once, whether a message
 * came as a push or through sync; a push past a gap triggers a sync. Kicked (4001) and refused (4003) sessions
 * end for good: {@link #ended()} tells the close code.
 */
public final class ReconnectingSession implements AutoCloseable, CommandChannel {
    private static final ScheduledExecutorService RETRIES = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tinyim-reconnect");
        t.setDaemon(true);
        return t;
    });
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    private final TinyImClient rest;
    private final String token;
    private final Duration heartbeat;
    private final BroadcastProcessor<JsonNode> messages = BroadcastProcessor.create();
    private final BroadcastProcessor<JsonNode> events = BroadcastProcessor.create();
    private final CompletableFuture<Integer> ended = new CompletableFuture<>();
    private volatile ChatSession current;
    private volatile boolean closing;
    private volatile int reconnects;
    private long lastSeq;
    private long highestPushed;
    private boolean syncing;
    private int attempt;

    private ReconnectingSession(TinyImClient rest, String token, long fromSeq, Duration heartbeat) {
        this.rest = rest;
        this.token = token;
        this.lastSeq = fromSeq;
        this.heartbeat = heartbeat;
    }

    /**
     * Connects and syncs everything after {@code fromSeq} (0 to roam the whole history, or the device's
     * {@code ackedSeq}). Subscribe to {@link #messages()} before calling {@link #start()} to see that first sync.
     */
    public static ReconnectingSession create(TinyImClient rest, String token, long fromSeq) {
        return create(rest, token, fromSeq, Duration.ofSeconds(25));
    }

    /** As {@link #create(TinyImClient, String, long)}, pinging after {@code heartbeat} without traffic. */
    public static ReconnectingSession create(TinyImClient rest, String token, long fromSeq, Duration heartbeat) {
        return new ReconnectingSession(rest, token, fromSeq, heartbeat);
    }

    public Uni<ReconnectingSession> start() {
        return connectOnce().replaceWith(this);
    }

    /** Timeline messages in seq order, each once. */
    public Multi<JsonNode> messages() {
        return messages;
    }

    /** Every other event ({@code friend.request}, {@code conv.read}, {@code kicked}, {@code reconnect}, ...). */
    public Multi<JsonNode> events() {
        return events;
    }

    /** Completes with the close code when the session ends for good (4001 kicked, 4003 refused, 1000 closed). */
    public Uni<Integer> ended() {
        return Uni.createFrom().completionStage(ended);
    }

    public synchronized long lastSeq() {
        return lastSeq;
    }

    /** How many times the session has connected again after a drop. */
    public int reconnects() {
        return reconnects;
    }

    /** The gateway WebSocket URL of the current connection (null before the first). */
    public String url() {
        ChatSession s = current;
        return s == null ? null : s.url();
    }

    public boolean connected() {
        ChatSession s = current;
        return s != null && !s.isClosed();
    }

    public Uni<JsonNode> command(String type, JsonNode data) {
        ChatSession s = current;
        if (s == null || s.isClosed()) {
            return Uni.createFrom().failure(new TinyImException("unavailable", "not connected; reconnecting"));
        }
        return s.command(type, data);
    }

    /**
     * {@code msg.send}; the sending connection gets no push of its own message, so a sync then delivers it to
     * {@link #messages()} in its place in the timeline.
     */
    public Uni<JsonNode> send(JsonNode data) {
        return command("msg.send", data).call(result -> {
            synchronized (this) {
                // a sync already running may have read its last page before this send: it then runs once more
                highestPushed = Math.max(highestPushed, result.get("seq").asLong());
            }
            return sync().onFailure().recoverWithNull();
        });
    }

    @Override
    public void close() {
        closing = true;
        ChatSession s = current;
        if (s != null) {
            s.close();
        }
        ended.complete(1000);
    }

    private Uni<Void> connectOnce() {
        return rest.connect(token).invoke(session -> {
            current = session.keepAlive(heartbeat);
            session.events().subscribe().with(this::onEvent);
            session.closeCode().subscribe().with(code -> onClosed(session, code), error -> onClosed(session, 1006));
        }).invoke(() -> {
            synchronized (this) {
                attempt = 0;
            }
        }).chain(this::sync);
    }

    private void onEvent(JsonNode frame) {
        if (!"msg".equals(frame.path("type").asText())) {
            events.onNext(frame);
            return;
        }
        JsonNode message = frame.get("data");
        long seq = message.get("seq").asLong();
        boolean gap;
        synchronized (this) {
            highestPushed = Math.max(highestPushed, seq);
            if (seq == lastSeq + 1 && !syncing) {
                lastSeq = seq;
                messages.onNext(message);
            }
            gap = seq > lastSeq + 1;
        }
        if (gap) {
            sync().subscribe().with(ok -> { }, error -> { });
        }
    }

    /** Fetches everything after lastSeq, page by page; concurrent calls collapse into the running one. */
    private Uni<Void> sync() {
        synchronized (this) {
            if (syncing) {
                return Uni.createFrom().voidItem();
            }
            syncing = true;
        }
        return syncPage().onItemOrFailure().invoke((done, failure) -> {
            boolean again;
            synchronized (this) {
                syncing = false;
                // a push that came during the sync, after its last page (a failed sync waits for the reconnect)
                again = failure == null && highestPushed > lastSeq;
            }
            if (again) {
                sync().subscribe().with(ok -> { }, error -> { });
            }
        });
    }

    private Uni<Void> syncPage() {
        long after = lastSeq();
        ObjectNode data = TinyImClient.JSON.createObjectNode().put("afterSeq", after).put("limit", 500);
        return command("msg.sync", data).chain(page -> {
            synchronized (this) {
                for (JsonNode message : page.get("messages")) {
                    if (message.get("seq").asLong() == lastSeq + 1) {
                        lastSeq++;
                        messages.onNext(message);
                    }
                }
            }
            return page.get("hasMore").asBoolean() ? syncPage() : Uni.createFrom().voidItem();
        });
    }

    private void onClosed(ChatSession session, int code) {
        if (session != current) {
            return;
        }
        if (closing || code == 4001 || code == 4003) {
            ended.complete(code);
            return;
        }
        scheduleReconnect();
    }

    private void scheduleReconnect() {
        long delay;
        synchronized (this) {
            delay = Math.min(MAX_BACKOFF_MILLIS, 250L << Math.min(attempt, 7));
            attempt++;
        }
        delay += ThreadLocalRandom.current().nextLong(delay / 2 + 1);
        RETRIES.schedule(() -> {
            if (closing) {
                return;
            }
            connectOnce().subscribe().with(ok -> reconnects++, error -> {
                if (error instanceof ConnectionClosedException e && e.closeCode() == 4003) {
                    ended.complete(4003); // the token is no longer valid: retrying cannot help
                } else {
                    scheduleReconnect();
                }
            });
        }, delay, TimeUnit.MILLISECONDS);
    }
}
