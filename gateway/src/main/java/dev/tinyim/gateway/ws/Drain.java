package dev.tinyim.gateway.ws;

import dev.tinyim.gateway.connection.ClientConnection;
import dev.tinyim.gateway.connection.Connections;
import dev.tinyim.gateway.GatewayConfig;
import dev.tinyim.gateway.rest.RequestsInFlight;
import dev.tinyim.shared.registry.SelfRegistration;
import dev.tinyim.shared.wire.Event;
import dev.tinyim.shared.wire.WireJson;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Graceful stop (PROTOCOL.md section 2): leave dispatch, tell every client to reconnect, let commands in
 * flight finish, close with 1012 and drop this gateway's routes, all within the shutdown timeout.
 * <p>
 * It runs in Quarkus' pre-shutdown phase ({@code quarkus.shutdown.delay-enabled}), while the server still
 * works normally, and ends by waiting (within the same timeout) for the REST requests still running
 * ({@link RequestsInFlight}): Quarkus' own graceful wait counts every WebSocket upgrade as a request that never
 * ends, so the gateway does not use it.
 */
@ApplicationScoped
public class Drain {
    private static final Logger LOG = Logger.getLogger(Drain.class);
    /** What every client of a stopping gateway is told, also one that connects while it drains. */
    static final String RECONNECT = WireJson.event(Event.RECONNECT, new JsonObject().put("reason", "shutdown"));

    private final Connections connections;
    private final ChatSocket socket;
    private final SelfRegistration self;
    private final GatewayConfig config;
    private final RequestsInFlight requests;

    public Drain(Connections connections, ChatSocket socket, SelfRegistration self, GatewayConfig config,
                 RequestsInFlight requests) {
        this.connections = connections;
        this.socket = socket;
        this.self = self;
        this.config = config;
        this.requests = requests;
    }

    void onStop(@Observes ShutdownDelayInitiatedEvent event) {
        long deadline = System.currentTimeMillis() + config.shutdownTimeout().toMillis();
        LOG.infof("draining %d connections", connections.all().size());
        try {
            self.markDraining().await().atMost(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            LOG.warnf("could not mark this gateway draining: %s", e.getMessage());
        }
        connections.all().forEach(c -> c.send(RECONNECT, Integer.MAX_VALUE));
        while (socket.inFlight() > 0 && System.currentTimeMillis() < deadline - 1000) {
            sleep(50);
        }
        List<Uni<Void>> closes = new ArrayList<>();
        for (ClientConnection c : connections.all()) {
            connections.releaseForMove(c); // before the close, whose handler would take the route out
            closes.add(c.close(1012, "gateway restarting"));
        }
        if (!closes.isEmpty()) {
            long left = Math.max(500, deadline - System.currentTimeMillis());
            try {
                Uni.join().all(closes).andCollectFailures().await().atMost(Duration.ofMillis(left));
            } catch (RuntimeException e) {
                LOG.warnf("drain did not finish cleanly: %s", e.getMessage());
            }
        }
        while (requests.running() > 0 && System.currentTimeMillis() < deadline) {
            sleep(20);
        }
        LOG.infof("drained; %d commands and %d HTTP requests were still in flight", socket.inFlight(), requests.running());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
