package dev.tinyim.shared.grpc;

import dev.tinyim.shared.registry.Instance;
import dev.tinyim.shared.registry.ServiceDirectory;
import io.smallrye.mutiny.Uni;
import io.smallrye.stork.Stork;
import io.smallrye.stork.api.ServiceInstance;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;

/** Picks the {@link BackendDiscovery} that {@code tinyim.backends.discovery} names: registry or stork. */
@ApplicationScoped
public class Discoveries {
    private static final Logger LOG = Logger.getLogger(Discoveries.class);

    @Produces
    @ApplicationScoped
    BackendDiscovery discovery(@ConfigProperty(name = "tinyim.backends.discovery", defaultValue = "registry") String kind,
                               ServiceDirectory directory) {
        return switch (kind) {
            case "registry" -> directory::live;
            case "stork" -> {
                LOG.info("backends found through SmallRye Stork (quarkus.stork.<service>.service-discovery.*)");
                yield Discoveries::fromStork;
            }
            default -> throw new IllegalArgumentException("tinyim.backends.discovery must be registry or stork, not '" + kind + "'");
        };
    }

    /**
     * The instances Stork's discovery of that service lists (on Kubernetes: DNS SRV records of its headless
     * Service, one per ready pod), each named by its address: a pod that comes back at another address is another
     * instance, and a restart at the same address keeps its channel, which reconnects by itself.
     */
    static Uni<List<Instance>> fromStork(String service) {
        return Uni.createFrom().deferred(() -> Stork.getInstance().getService(service).getInstances())
                .map(found -> {
                    List<Instance> instances = new ArrayList<>(found.size());
                    for (ServiceInstance i : found) {
                        instances.add(new Instance(service, i.getHost() + ":" + i.getPort(), i.getHost(), 0, i.getPort(), 0, false, ""));
                    }
                    return instances;
                });
    }
}
