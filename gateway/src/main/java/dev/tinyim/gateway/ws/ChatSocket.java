package dev.tinyim.gateway.ws;

import dev.tinyim.gateway.admission.LoadShedder;
import dev.tinyim.gateway.admission.SendLimiter;
import dev.tinyim.gateway.admission.SendLimits;
import dev.tinyim.gateway.connection.ClientConnection;
import dev.tinyim.gateway.connection.Connections;
import dev.tinyim.gateway.connection.TaggedCounters;
import dev.tinyim.gateway.GatewayConfig;
import dev.tinyim.gateway.backend.Backends;
import dev.tinyim.gateway.connection.RouteTable;
import dev.tinyim.gateway.session.TokenVerifier;
import dev.tinyim.proto.auth.v1.CheckSessionRequest;
import dev.tinyim.proto.chat.v1.CursorRequest;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.grpc.Retry;
import dev.tinyim.shared.push.Push;
import dev.tinyim.shared.push.PushBus;
import dev.tinyim.shared.push.Route;
import dev.tinyim.shared.registry.SelfRegistration;
import dev.tinyim.shared.wire.FrameCodec;
import dev.tinyim.shared.wire.WireJson;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.websockets.next.InboundProcessingMode;
import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.jboss.logging.Logger;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client WebSocket (PROTOCOL.md section 2): authentication by header or first frame, one result per
 * command, rate limiting, and the kick of an older connection of the same session or device type.
 * <p>
 * Frames are handled as they are read ({@code CONCURRENT}), not one command at a time per connection: waiting
 * for each result before reading the next frame queued commands per connection where no limit could see them
 * (an overload then showed as seconds of delay, not as refusals). Frames after an {@code auth} still wait for it;
 * a sender's sends keep their order because they go to one chat instance ({@code Backends.chatFor}).
 */
@WebSocket(path = "/ws", inboundProcessingMode = InboundProcessingMode.CONCURRENT)
public class ChatSocket {
    private static final Logger LOG = Logger.getLogger(ChatSocket.class);

    private final Connections connections;
    private final Commands commands;
    private final TokenVerifier tokens;
    private final Backends backends;
    private final RouteTable routes;
    private final PushBus pushBus;
    private final GatewayConfig config;
    private final SelfRegistration self;
    private final LoadShedder shedder;
    private final SendLimits sendLimits;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final TaggedCounters framesIn;
    private final TaggedCounters errors;

    public ChatSocket(Connections connections, Commands commands, TokenVerifier tokens, Backends backends,
                      RouteTable routes, PushBus pushBus, GatewayConfig config, MeterRegistry metrics,
                      SelfRegistration self, LoadShedder shedder, SendLimits sendLimits) {
        this.connections = connections;
        this.commands = commands;
        this.tokens = tokens;
        this.backends = backends;
        this.routes = routes;
        this.pushBus = pushBus;
        this.config = config;
        this.self = self;
        this.shedder = shedder;
        this.sendLimits = sendLimits;
        metrics.gauge("tinyim.gateway.commands.in.flight", inFlight);
        this.framesIn = new TaggedCounters(metrics, "tinyim.gateway.frames.in", "type");
        this.errors = new TaggedCounters(metrics, "tinyim.gateway.errors", "code");
    }

    public int inFlight() {
        return inFlight.get();
    }

    @OnOpen
    public Uni<Void> onOpen(WebSocketConnection socket) {
        ClientConnection c = connections.open(socket);
        String header = Handshakes.takeAuthorization(socket.userData());
        if (self.self().draining()) {
            // a client that reached a stopping gateway (a stale URL) is sent on at once, as the others were
            return c.sendAndClose(Drain.RECONNECT, 1012, "gateway restarting");
        }
        if (header == null) {
            return Uni.createFrom().voidItem();
        }
        return awaitedByLaterFrames(c, authenticate(c, TokenVerifier.bearer(header), "auth"));
    }

    @OnBinaryMessage
    public Uni<Void> onBinary(Buffer ignored, WebSocketConnection socket) {
        ClientConnection c = connections.find(socket.id());
        return c == null ? socket.close() : c.close(1003, "binary frames are not supported");
    }

    @OnTextMessage
    public Uni<Void> onText(String text, WebSocketConnection socket) {
        ClientConnection c = connections.find(socket.id());
        if (c == null) {
            return Uni.createFrom().voidItem();
        }
        c.touched();
        if (c.authenticated() && !c.routed() && !c.authenticating()) {
            connections.reroute(c);
        }
        Uni<Void> pending = c.pendingAuth();
        return pending == null ? handle(c, text) : pending.onFailure().recoverWithNull().chain(() -> handle(c, text));
    }

    private Uni<Void> handle(ClientConnection c, String text) {
        JsonObject frame;
        try {
            frame = FrameCodec.parseObject(text);
        } catch (DecodeException | ClassCastException e) {
            return refuse(c, null, "invalid", ErrorCode.BAD_REQUEST, "frame is not a JSON object");
        }
        Object rawId = frame.getValue("id");
        String id = rawId instanceof String s && !s.isEmpty() && s.length() <= 64 ? s : null;
        Object rawType = frame.getValue("type");
        if (!(rawType instanceof String type)) {
            return refuse(c, id, "invalid", ErrorCode.BAD_REQUEST, "frame has no type");
        }
        if (!commands.knows(type)) {
            return refuse(c, id, "unknown", ErrorCode.BAD_REQUEST, "unknown command: " + type);
        }
        if (id == null) {
            return refuse(c, null, type, ErrorCode.BAD_REQUEST, "id must be a string of 1-64 characters");
        }
        Object rawData = frame.getValue("data");
        if (rawData != null && !(rawData instanceof JsonObject)) {
            return refuse(c, id, type, ErrorCode.BAD_REQUEST, "data must be an object");
        }
        JsonObject data = rawData == null ? new JsonObject() : (JsonObject) rawData;
        if (type.equals("auth")) {
            if (c.authenticated() || c.authenticating()) {
                return refuse(c, id, type, ErrorCode.BAD_REQUEST, "already authenticated");
            }
            Object token = data.getValue("token");
            return awaitedByLaterFrames(c, authenticate(c, token instanceof String t ? t : null, id));
        }
        if (!c.authenticated()) {
            return refuse(c, id, type, ErrorCode.UNAUTHORIZED, "authenticate first");
        }
        if (!c.bucket().tryTake()) {
            if (c.bucket().refusedRecently() > config.abuseThreshold()) {
                return c.close(1008, "rate limit abuse");
            }
            return refuse(c, id, type, ErrorCode.RATE_LIMITED,
                    "slow down: at most " + config.ratePerSecond() + " commands a second");
        }
        if (type.equals("ping")) {
            // the heartbeat, the most frequent frame of a server whose clients are idle: answered here, with no
            // Mutiny pipeline around a result that is already known (docs/history/measurements.md)
            return reply(c, Frames.pong(id, System.currentTimeMillis()), type);
        }
        if ((type.equals("msg.send") || type.equals("typing")) && !shedder.admit()) {
            return refuse(c, id, type, ErrorCode.UNAVAILABLE, "the server is overloaded; resend shortly");
        }
        if (inFlight.incrementAndGet() > config.maxInFlight()) {
            inFlight.decrementAndGet();
            return refuse(c, id, type, ErrorCode.UNAVAILABLE, "the gateway is overloaded; retry shortly");
        }
        Uni<JsonObject> command;
        if (type.equals("msg.send")) {
            SendLimiter limiter = sendLimits.forSender(c.userId());
            long admitted = limiter.tryAcquire();
            if (admitted == SendLimiter.REFUSED) {
                inFlight.decrementAndGet();
                return refuse(c, id, type, ErrorCode.UNAVAILABLE, "chat is overloaded; resend shortly");
            }
            command = Uni.createFrom().deferred(() -> commands.send(c, data, queuedMillis -> limiter.queued(admitted, queuedMillis)))
                    .onTermination().invoke((ok, failure, cancelled) -> limiter.release(admitted,
                            failure == null && !cancelled, ErrorCode.isOverload(failure)));
        } else {
            command = Uni.createFrom().deferred(() -> commands.run(c, type, data));
        }
        return command
                .eventually(inFlight::decrementAndGet)
                .onItemOrFailure().transformToUni((result, failure) -> {
                    if (failure == null) {
                        return reply(c, Frames.ok(id, result), type);
                    }
                    ErrorCode code = ErrorCode.of(failure);
                    if (code == ErrorCode.INTERNAL) {
                        LOG.errorf(failure, "command %s failed", type);
                    }
                    return refuse(c, id, type, code, ErrorCode.messageOf(failure));
                });
    }

    private Uni<Void> refuse(ClientConnection c, String id, String type, ErrorCode code, String message) {
        errors.increment(code.wire());
        return reply(c, Frames.error(id, code, message), type);
    }

    private Uni<Void> reply(ClientConnection c, String frame, String type) {
        framesIn.increment(type);
        c.send(frame, config.sendQueueLimit());
        return Uni.createFrom().voidItem();
    }

    /**
     * Runs an authentication that frames arriving meanwhile wait for, and forgets it once done: a held connection
     * keeps no finished pipeline (it cost 1-2 KB of heap per connection, docs/history/measurements.md).
     */
    private static Uni<Void> awaitedByLaterFrames(ClientConnection c, Uni<Void> authentication) {
        Uni<Void> auth = authentication.memoize().indefinitely();
        c.pendingAuth(auth);
        return auth.eventually(() -> c.authDone(auth));
    }

    /**
     * Verifies the token, asks auth whether its session is current, takes this device type's route (kicking the
     * connection that held it), and answers with the timeline position. A bad token closes with 4003.
     */
    private Uni<Void> authenticate(ClientConnection c, String token, String resultId) {
        var claims = tokens.verify(token);
        if (claims.isEmpty()) {
            return c.close(4003, "invalid token");
        }
        var cl = claims.get();
        c.authenticating(true);
        return backends.auth(Retry.IDEMPOTENT, s -> s.checkSession(CheckSessionRequest.newBuilder().setUserId(cl.userId())
                        .setDeviceType(cl.deviceType()).setSessionId(cl.sessionId()).build()))
                .chain(check -> {
                    if (!check.getCurrent()) {
                        return c.close(4003, "session is no longer valid");
                    }
                    c.authenticated(cl.userId(), cl.deviceType(), cl.sessionId());
                    return routes.get(cl.userId(), cl.deviceType())
                            .chain(previous -> previous.isPresent() && !previous.get().connectionId().equals(c.id())
                                    ? kickPrevious(cl.userId(), previous.get(), cl.sessionId()) : Uni.createFrom().voidItem())
                            .chain(() -> connections.route(c))
                            .chain(() -> backends.chat(Retry.IDEMPOTENT, s -> s.cursor(CursorRequest.newBuilder().setCallerId(cl.userId())
                                    .setDeviceType(cl.deviceType()).build())))
                            .invoke(cursor -> c.send(Frames.ok(resultId, new JsonObject()
                                    .put("userId", WireJson.id(cl.userId())).put("deviceType", cl.deviceType())
                                    .put("maxSeq", cursor.getMaxSeq()).put("ackedSeq", cursor.getAckedSeq())), config.sendQueueLimit()))
                            .replaceWithVoid();
                })
                .onFailure().call(e -> {
                    LOG.warnf("authentication of connection %s failed: %s", c.id(), e.getMessage());
                    return c.close(1011, "authentication unavailable, retry");
                })
                .eventually(() -> c.authenticating(false));
    }

    /** The route's previous holder: same session means a reconnect (reason replaced), else a superseded login. */
    private Uni<Void> kickPrevious(long userId, Route previous, String newSessionId) {
        String reason = previous.sessionId().equals(newSessionId) ? "replaced" : "same_device_login";
        return pushBus.publish(Push.kick(userId, previous.deviceType(), previous.sessionId(), reason))
                .onFailure().recoverWithNull();
    }

    /**
     * A message over the 64 KiB limit surfaces as a Vert.x error while frames are aggregated: close 1009. (A single
     * frame over the limit closes the channel before this runs; {@link CorruptFrames} answers that one.)
     */
    @OnError
    public Uni<Void> onError(Throwable failure, WebSocketConnection socket) {
        ClientConnection c = connections.find(socket.id());
        boolean tooBig = tooBig(failure);
        if (failure instanceof HttpClosedException) {
            // the client went away without a close frame: an ordinary end of a connection, not a server error
            LOG.debugf("connection %s closed by the client without a close frame", socket.id());
            return Uni.createFrom().voidItem();
        }
        if (!tooBig) {
            LOG.errorf(failure, "connection %s failed", socket.id());
        }
        int code = tooBig ? 1009 : 1011;
        String reason = tooBig ? "frame too big" : "internal error";
        if (socket.isClosed()) {
            // a frame the decoder refused: CorruptFrames already answered it, and Vert.x closed the channel
            return Uni.createFrom().voidItem();
        }
        return c == null ? socket.close(new io.quarkus.websockets.next.CloseReason(code, reason)) : c.close(code, reason);
    }

    /**
     * Whether the failure is a message over the limit: a frame Netty refused as too big (typed: its close status is
     * 1009), or a message Vert.x refused while aggregating frames, which it reports only as an IllegalStateException
     * whose text names the max message size.
     */
    static boolean tooBig(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException c
                    && c.closeStatus() != null && c.closeStatus().code() == 1009) {
                return true;
            }
            if (t instanceof io.netty.handler.codec.TooLongFrameException) {
                return true;
            }
            if (t instanceof IllegalStateException && String.valueOf(t.getMessage()).contains("max message size")) {
                return true;
            }
        }
        return false;
    }

    @OnClose
    public Uni<Void> onClose(WebSocketConnection socket) {
        ClientConnection c = connections.remove(socket.id());
        if (c == null || !c.authenticated()) {
            return Uni.createFrom().voidItem();
        }
        return connections.unroute(c, System.currentTimeMillis());
    }
}
