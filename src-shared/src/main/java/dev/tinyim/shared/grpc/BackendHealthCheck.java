package dev.tinyim.shared.grpc;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while every gRPC backend this service needs ({@code tinyim.backends} but not
 * {@code tinyim.backends.optional}) has at least one live instance; the data: each one's count, and how they are found.
 */
@Readiness
@ApplicationScoped
public class BackendHealthCheck implements HealthCheck {
    private final BackendChannels channels;
    private final String discovery;

    public BackendHealthCheck(BackendChannels channels,
                              @ConfigProperty(name = "tinyim.backends.discovery", defaultValue = "registry") String discovery) {
        this.channels = channels;
        this.discovery = discovery;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder builder = HealthCheckResponse.named("grpc-backends").up();
        if (!channels.services().isEmpty()) {
            builder.withData("discovery", discovery);
        }
        for (String service : channels.services()) {
            int count = channels.instanceCount(service);
            builder.withData(service, count);
            if (count == 0 && channels.required(service)) {
                builder.down();
            }
        }
        return builder.build();
    }
}
