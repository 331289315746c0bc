package dev.tinyim.shared.registry;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Registers this instance in the registry at start, renews it on a timer, and removes it on a clean stop.
 * Enabled by giving the service a name ({@code tinyim.service.name}).
 */
@ApplicationScoped
public class SelfRegistration {
    private static final Logger LOG = Logger.getLogger(SelfRegistration.class);

    private final ServiceDirectory directory;
    private final Vertx vertx;
    private final AtomicReference<Instance> self = new AtomicReference<>();
    private final Duration ttl;
    private final Duration renewEvery;
    private final boolean enabled;
    private long timerId = -1;

    public SelfRegistration(ServiceDirectory directory, Vertx vertx,
                            @ConfigProperty(name = "tinyim.service.name") String service,
                            @ConfigProperty(name = "tinyim.instance.id") java.util.Optional<String> instanceId,
                            @ConfigProperty(name = "tinyim.instance.host", defaultValue = "127.0.0.1") String host,
                            @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080") int httpPort,
                            @ConfigProperty(name = "quarkus.grpc.server.port", defaultValue = "0") int grpcPort,
                            @ConfigProperty(name = "tinyim.instance.public-url") java.util.Optional<String> publicUrl,
                            @ConfigProperty(name = "tinyim.registry.ttl", defaultValue = "15s") Duration ttl,
                            @ConfigProperty(name = "tinyim.registry.renew-every", defaultValue = "3s") Duration renewEvery,
                            @ConfigProperty(name = "tinyim.registry.enabled", defaultValue = "true") boolean enabled) {
        this.enabled = enabled;
        this.directory = directory;
        this.vertx = vertx;
        this.ttl = ttl;
        this.renewEvery = renewEvery;
        String id = instanceId.filter(i -> !i.isBlank()).orElseGet(() -> service + "-" + UUID.randomUUID().toString().substring(0, 8));
        this.self.set(new Instance(service, id, host, httpPort, grpcPort, System.currentTimeMillis(), false, publicUrl.orElse("")));
    }

    void onStart(@Observes StartupEvent event) {
        if (!enabled) {
            // a service under a module's own tests: it calls the stack's other services but takes none of their calls
            LOG.infof("not in the registry (tinyim.registry.enabled=false)");
            return;
        }
        renew();
        timerId = vertx.setPeriodic(renewEvery.toMillis(), ignored -> renew());
    }

    void onStop(@Observes @Priority(10) ShutdownEvent event) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        Instance me = self.get();
        if (!enabled) {
            return;
        }
        try {
            directory.remove(me.service(), me.id()).await().atMost(Duration.ofSeconds(2));
            LOG.infof("left the registry as %s/%s", me.service(), me.id());
        } catch (RuntimeException e) {
            LOG.warnf("could not leave the registry: %s", e.getMessage());
        }
    }

    public Instance self() {
        return self.get();
    }

    public Duration ttl() {
        return ttl;
    }

    public Duration renewEvery() {
        return renewEvery;
    }

    /** Marks this instance draining at once (dispatch skips it from the next read on). */
    public io.smallrye.mutiny.Uni<Void> markDraining() {
        self.updateAndGet(Instance::asDraining);
        return directory.put(self.get(), ttl.toMillis());
    }

    private void renew() {
        Instance me = self.get();
        directory.put(me, ttl.toMillis())
                .chain(() -> directory.prune(me.service(), Duration.ofMinutes(10).toMillis()))
                .subscribe().with(
                        ok -> { },
                        failure -> LOG.warnf("registry renewal failed: %s", failure.getMessage()));
    }
}
