package dev.tinyim.chat.db;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import java.time.Duration;

/**
 * Whether an acknowledged send is on the replica too: the primary's semi-synchronous replication
 * ({@code Rpl_semi_sync_master_status}), read every 5 s. When no replica acknowledges (it is down, or slower
 * than {@code rpl_semi_sync_master_timeout}) the primary goes on alone: sends are still stored durably on the
 * primary, but a loss of the primary's disk could lose them. That is logged, counted
 * ({@code tinyim_db_semisync_active} 0) and shown in readiness, which stays up (chat still works).
 */
@Readiness
@ApplicationScoped
public class ReplicationHealthCheck implements AsyncHealthCheck {
    private static final Logger LOG = Logger.getLogger(ReplicationHealthCheck.class);
    private static final String NAME = "database-replication";

    private final Pool primary;
    private final Vertx vertx;
    private volatile Boolean active; // null until first read
    private volatile int replicas;

    public ReplicationHealthCheck(Pool primary, Vertx vertx, MeterRegistry metrics) {
        this.primary = primary;
        this.vertx = vertx;
        metrics.gauge("tinyim.db.semisync.active", this, c -> Boolean.TRUE.equals(c.active) ? 1 : 0);
        metrics.gauge("tinyim.db.semisync.replicas", this, c -> c.replicas);
    }

    void onStart(@Observes StartupEvent event) {
        vertx.setPeriodic(5_000, id -> read().subscribe().with(ok -> { }, e -> { }));
    }

    private Uni<Boolean> read() {
        return primary.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Rpl_semi_sync_master_status', 'Rpl_semi_sync_master_clients')")
                .execute().ifNoItem().after(Duration.ofSeconds(2)).fail()
                .map(rows -> {
                    boolean on = false;
                    int clients = 0;
                    for (Row row : rows) {
                        String value = row.getString(1);
                        if (row.getString(0).equalsIgnoreCase("Rpl_semi_sync_master_status")) {
                            on = "ON".equalsIgnoreCase(value);
                        } else {
                            clients = Integer.parseInt(value);
                        }
                    }
                    Boolean was = active;
                    if (was != null && was != on) {
                        if (on) {
                            LOG.infof("semi-synchronous replication is back: acknowledged sends are on %d replica(s) again", clients);
                        } else {
                            LOG.warnf("semi-synchronous replication is off (%d replicas acknowledging): acknowledged sends are on the primary only", clients);
                        }
                    }
                    active = on;
                    replicas = clients;
                    return on;
                });
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return read().map(on -> HealthCheckResponse.named(NAME).up()
                        .withData("semi-sync", on ? "on: an acknowledged send is on " + replicas + " replica(s)"
                                : "off: no replica acknowledges; acknowledged sends are on the primary only").build())
                .onFailure().recoverWithItem(e -> HealthCheckResponse.named(NAME).up()
                        .withData("semi-sync", "unknown: " + e.getMessage()).build());
    }
}
