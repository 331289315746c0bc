package dev.tinyim.gateway.connection;

import dev.tinyim.gateway.admission.RateBucket;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** What the gateway knows of one WebSocket: who it is, when it last spoke, its rate bucket and send queue. */
public final class ClientConnection {
    private final WebSocketConnection socket;
    private final long openedAt = System.currentTimeMillis();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final RateBucket bucket;
    private final FramesOut framesOut;
    private volatile long lastFrameAt = openedAt;
    private volatile long userId;
    private volatile String deviceType;
    private volatile String sessionId;
    private volatile boolean authenticating;
    /** Whether this connection's route is in the routing table (taken out while it is silent, PROTOCOL.md 7.1). */
    private volatile boolean routed;
    private volatile Uni<Void> pendingAuth;

    public ClientConnection(WebSocketConnection socket, RateBucket bucket, FramesOut framesOut) {
        this.socket = socket;
        this.bucket = bucket;
        this.framesOut = framesOut;
    }

    public String id() {
        return socket.id();
    }

    public boolean authenticated() {
        return userId != 0;
    }

    public void authenticated(long userId, String deviceType, String sessionId) {
        this.deviceType = deviceType;
        this.sessionId = sessionId;
        this.userId = userId;
    }

    public long userId() {
        return userId;
    }

    public String deviceType() {
        return deviceType;
    }

    public String sessionId() {
        return sessionId;
    }

    public long openedAt() {
        return openedAt;
    }

    public long lastFrameAt() {
        return lastFrameAt;
    }

    public void touched() {
        lastFrameAt = System.currentTimeMillis();
    }

    public boolean routed() {
        return routed;
    }

    public void routed(boolean value) {
        routed = value;
    }

    public RateBucket bucket() {
        return bucket;
    }

    public boolean authenticating() {
        return authenticating;
    }

    public void authenticating(boolean value) {
        authenticating = value;
    }

    public Uni<Void> pendingAuth() {
        return pendingAuth;
    }

    public synchronized void pendingAuth(Uni<Void> auth) {
        pendingAuth = auth;
    }

    /** Frames no longer wait for this authentication (a newer one may have started since). */
    public synchronized void authDone(Uni<Void> auth) {
        if (pendingAuth == auth) {
            pendingAuth = null;
        }
    }

    public boolean isOpen() {
        return socket.isOpen() && !closing.get();
    }

    /**
     * Queues a frame for the socket. A client whose queue is past the limit is too slow to keep up and is
     * closed with 1008 rather than letting memory grow without bound.
     */
    public void send(String frame, int queueLimit) {
        if (!isOpen()) {
            return;
        }
        if (queued.incrementAndGet() > queueLimit) {
            queued.decrementAndGet();
            close(1008, "client too slow to receive").subscribe().with(ok -> { }, e -> { });
            return;
        }
        framesOut.count(frame);
        socket.sendText(frame).subscribe().with(ok -> queued.decrementAndGet(), e -> queued.decrementAndGet());
    }

    /** Sends a last frame, then closes; only the first close of a connection takes effect. */
    public Uni<Void> sendAndClose(String frame, int code, String reason) {
        if (!closing.compareAndSet(false, true) || !socket.isOpen()) {
            return Uni.createFrom().voidItem();
        }
        if (frame != null) {
            framesOut.count(frame);
        }
        Uni<Void> last = frame == null ? Uni.createFrom().voidItem()
                : socket.sendText(frame).onFailure().recoverWithNull().replaceWithVoid();
        return last.chain(() -> socket.close(new CloseReason(code, reason))).onFailure().recoverWithNull();
    }

    public Uni<Void> close(int code, String reason) {
        return sendAndClose(null, code, reason);
    }
}
