package dev.tinyim.shared.grpc;

import dev.tinyim.shared.registry.Instance;
import io.smallrye.mutiny.Uni;

import java.util.List;

/**
 * Where the instances of a backend service are, for {@link BackendChannels}: the Redis registry on the local
 * stack ({@code tinyim.backends.discovery=registry}, the default), the platform's DNS on Kubernetes
 * ({@code stork}: SmallRye Stork over the headless Services' SRV records). Gateway dispatch and presence always
 * read the registry: a gateway's draining flag and public URL are not in DNS.
 */
@FunctionalInterface
public interface BackendDiscovery {
    /** The instances to call now, in any order; those without a gRPC port are passed over. */
    Uni<List<Instance>> instances(String service);
}
