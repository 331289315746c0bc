package dev.tinyim.relation.store;

import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.time.Duration;

/**
 * Reports the read replica without failing readiness: when it cannot be reached the primary serves its reads,
 * so relation stays ready and says so ({@code state}).
 */
@Readiness
@ApplicationScoped
public class ReplicaHealthCheck implements AsyncHealthCheck {
    private final Pools pools;

    public ReplicaHealthCheck(Pools pools) {
        this.pools = pools;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return pools.replica().query("SELECT 1").execute()
                .ifNoItem().after(Duration.ofSeconds(2)).fail()
                .map(ok -> HealthCheckResponse.named("database-replica").up()
                        .withData("state", pools.replicaSkipped() ? "back; reads return to it shortly" : "serving reads").build())
                .onFailure().recoverWithItem(e -> HealthCheckResponse.named("database-replica").up()
                        .withData("state", "unreachable: reads are served by the primary")
                        .withData("error", String.valueOf(e.getMessage())).build());
    }
}
