package dev.tinyim.gateway.connection;

import dev.tinyim.gateway.admission.RateBucket;
import dev.tinyim.gateway.GatewayConfig;
import dev.tinyim.shared.push.Route;
import dev.tinyim.shared.registry.SelfRegistration;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live connections of this gateway, by connection id. A timer closes connections that never
 * authenticated (4003) or went silent (4008), and renews this gateway's routes.
 */
@ApplicationScoped
public class Connections {
    private static final Logger LOG = Logger.getLogger(Connections.class);

    private final Map<String, ClientConnection> byId = new ConcurrentHashMap<>();
    private final GatewayConfig config;
    private final RouteTable routes;
    private final SelfRegistration self;
    private final Vertx vertx;
    private final FramesOut framesOut;

    public Connections(GatewayConfig config, RouteTable routes, SelfRegistration self, Vertx vertx, MeterRegistry metrics) {
        this.config = config;
        this.routes = routes;
        this.self = self;
        this.vertx = vertx;
        this.framesOut = new FramesOut(metrics);
        metrics.gaugeMapSize("tinyim.gateway.connections", List.of(), byId);
        // what clients must heartbeat within (the load generator reads it to ping often enough)
        double heartbeatSeconds = config.heartbeatTimeout().toMillis() / 1000.0;
        io.micrometer.core.instrument.Gauge.builder("tinyim.gateway.heartbeat.timeout.seconds", () -> heartbeatSeconds)
                .description("an authenticated connection silent this long is closed with 4008").register(metrics);
    }

    public void onStart(@Observes StartupEvent event) {
        vertx.setPeriodic(500, ignored -> sweep());
        vertx.setPeriodic(30_000, ignored -> renewRoutes());
    }

    public ClientConnection open(WebSocketConnection socket) {
        ClientConnection connection = new ClientConnection(socket,
                new RateBucket(config.ratePerSecond(), config.rateBurst()), framesOut);
        byId.put(socket.id(), connection);
        return connection;
    }

    public ClientConnection remove(String id) {
        return byId.remove(id);
    }

    public ClientConnection find(String id) {
        return byId.get(id);
    }

    public Collection<ClientConnection> all() {
        return byId.values();
    }

    public Route routeOf(ClientConnection c) {
        return new Route(c.deviceType(), self.self().id(), c.id(), c.sessionId());
    }

    private void sweep() {
        long now = System.currentTimeMillis();
        long authTimeout = config.authTimeout().toMillis();
        long heartbeat = config.heartbeatTimeout().toMillis();
        long presence = config.presenceTimeout().toMillis();
        for (ClientConnection c : byId.values()) {
            if (!c.authenticated() && !c.authenticating() && now - c.openedAt() > authTimeout) {
                c.close(4003, "not authenticated").subscribe().with(ok -> { }, e -> { });
            } else if (c.authenticated() && now - c.lastFrameAt() > heartbeat) {
                LOG.debugf("connection %s of user %d timed out", c.id(), c.userId());
                c.close(4008, "heartbeat timeout").subscribe().with(ok -> { }, e -> { });
            } else if (c.routed() && now - c.lastFrameAt() > presence) {
                LOG.debugf("connection %s of user %d silent: offline until it speaks", c.id(), c.userId());
                unroute(c, c.lastFrameAt()).subscribe().with(ok -> { }, e -> { });
            }
        }
    }

    /** Marks the connection routed and writes its route (after authentication). */
    public Uni<Void> route(ClientConnection c) {
        c.routed(true);
        return routes.put(c.userId(), routeOf(c));
    }

    /** Takes a silent connection's route back when it speaks again, unless a newer connection took its place. */
    public void reroute(ClientConnection c) {
        c.routed(true);
        routes.restore(c.userId(), routeOf(c)).subscribe().with(ok -> { },
                e -> LOG.warnf("route of connection %s not restored: %s", c.id(), e.getMessage()));
    }

    /**
     * A connection this draining gateway moves away (PROTOCOL.md section 2, graceful shutdown): its route stays in
     * the table, so the user does not flicker offline for their friends while the client reconnects elsewhere;
     * the new connection's route replaces it, and relation reaps the routes of this gateway run that no client
     * took over once the run has been gone a while (PROTOCOL.md 7.1).
     */
    public void releaseForMove(ClientConnection c) {
        c.routed(false);
    }

    /** Takes the connection's route out of the table (closed or silent); {@code at}: its last-seen time. */
    public Uni<Void> unroute(ClientConnection c, long at) {
        if (!c.routed()) {
            return Uni.createFrom().voidItem();
        }
        c.routed(false);
        return routes.remove(c.userId(), routeOf(c), at)
                .onFailure().invoke(e -> LOG.warnf("route of connection %s not removed: %s", c.id(), e.getMessage()))
                .onFailure().recoverWithNull();
    }

    /** Writes the routes of every open connection again (on a timer, and at once when Redis lost them). */
    public void renewRoutes() {
        List<Route> list = new ArrayList<>();
        List<Long> users = new ArrayList<>();
        for (ClientConnection c : byId.values()) {
            if (c.authenticated() && c.routed() && c.isOpen()) {
                list.add(routeOf(c));
                users.add(c.userId());
            }
        }
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (int from = 0; from < list.size(); from += 1000) {
            int start = from;
            int end = Math.min(list.size(), from + 1000);
            chain = chain.chain(() -> routes.renew(list.subList(start, end), users.subList(start, end)));
        }
        chain.subscribe().with(ok -> { }, e -> LOG.warnf("route renewal failed: %s", e.getMessage()));
    }
}
