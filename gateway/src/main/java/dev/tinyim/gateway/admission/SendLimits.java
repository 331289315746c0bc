package dev.tinyim.gateway.admission;

import dev.tinyim.gateway.GatewayConfig;
import dev.tinyim.gateway.backend.Backends;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The gateway's send limits, one {@link SendLimiter} per chat instance: a sender's sends go to one chat instance
 * ({@code Backends.chatFor}), and the limit they meet is that instance's. With one limit for all, a chat instance
 * restarted under load (its JIT cold, storing less than it is offered for a few seconds) lowered the limit of the
 * sends to the warm instances as well, which were then refused with it (docs/history/measurements.md).
 * <p>
 * The limiter of an instance that has left (and has no send in flight) is dropped, with its meters, on a timer:
 * on Kubernetes a restarted pod comes back on a new address.
 */
@ApplicationScoped
public class SendLimits {
    static final long SWEEP_MILLIS = 10_000;

    private final Backends backends;
    private final Function<String, SendLimiter> newLimiter;
    private final MeterRegistry metrics;
    private final Map<String, SendLimiter> limiters = new ConcurrentHashMap<>();

    @Inject
    public SendLimits(Backends backends, GatewayConfig config, MeterRegistry metrics) {
        this(backends, instance -> new SendLimiter(instance, config, metrics), metrics);
    }

    public SendLimits(Backends backends, Function<String, SendLimiter> newLimiter, MeterRegistry metrics) {
        this.backends = backends;
        this.newLimiter = newLimiter;
        this.metrics = metrics;
    }

    public void onStart(@Observes StartupEvent event, Vertx vertx) {
        vertx.setPeriodic(SWEEP_MILLIS, ignored -> sweep());
    }

    /** The limit of the chat instance that takes this sender's sends now. */
    public SendLimiter forSender(long senderId) {
        return limiters.computeIfAbsent(backends.chatInstanceFor(senderId), newLimiter);
    }

    /** Drops the limiters of instances no longer balanced over, once nothing is in flight to them. */
    public void sweep() {
        Set<String> live = new HashSet<>(backends.chatInstances());
        limiters.entrySet().removeIf(e -> {
            if (live.contains(e.getKey()) || e.getValue().inFlight() > 0) {
                return false;
            }
            e.getValue().meters().forEach(metrics::remove);
            return true;
        });
    }
}
