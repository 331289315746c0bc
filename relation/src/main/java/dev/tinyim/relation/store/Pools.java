package dev.tinyim.relation.store;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * Read/write splitting. Writes use the primary. Reads use the replica, except for a user or group written
 * within the read-your-writes window ({@link RecentWrites}, in memory on every instance): those read the primary,
 * so a command issued after a result sees it however far the replica lags (up to the window). A replica that
 * cannot be reached is skipped: the read is served by the primary, and the replica is tried again after a pause.
 */
@ApplicationScoped
@io.quarkus.runtime.Startup // registers the per-pool read counters before the first read
public class Pools {
    private final Pool primary;
    private final Pool replica;
    private final RecentWrites recent;
    private final Counter primaryReads;
    private final Counter replicaReads;
    private final Counter replicaFallbacks;
    private volatile long replicaSkippedUntil;

    public Pools(Pool primary, @ReactiveDataSource("replica") Pool replica, RecentWrites recent, MeterRegistry metrics) {
        this.primary = primary;
        this.replica = replica;
        this.recent = recent;
        this.primaryReads = Counter.builder("tinyim.db.reads").tag("pool", "primary").register(metrics);
        this.replicaReads = Counter.builder("tinyim.db.reads").tag("pool", "replica").register(metrics);
        this.replicaFallbacks = Counter.builder("tinyim.db.replica.fallbacks")
                .description("reads moved to the primary because the replica could not be reached").register(metrics);
    }

    private static final long REPLICA_PAUSE_MILLIS = 5_000;
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(Pools.class);

    /**
     * Runs a read on the primary if any of these users / groups ({@link RecentWrites#user}, {@link RecentWrites#group})
     * was written within the window, else on the replica; if that cannot be reached (not an SQL error: a connection
     * that fails), the same read runs on the primary.
     */
    public <T> Uni<T> read(java.util.function.Function<Pool, Uni<T>> query, RecentWrites.Key... about) {
        // decided when the read runs, not when it is assembled: a write marked in between sends it to the primary
        return Uni.createFrom().deferred(() -> {
            if (recent.recent(about) || replicaSkipped()) {
                primaryReads.increment();
                return query.apply(primary);
            }
            replicaReads.increment();
            return query.apply(replica).onFailure(dev.tinyim.shared.error.Failures::unreachable).recoverWithUni(failure -> {
                replicaSkippedUntil = System.currentTimeMillis() + REPLICA_PAUSE_MILLIS;
                replicaFallbacks.increment();
                primaryReads.increment();
                LOG.warnf("replica unreachable (%s): reads go to the primary for %d s", failure, REPLICA_PAUSE_MILLIS / 1000);
                return query.apply(primary);
            });
        });
    }

    /** Whether reads currently skip the replica because it could not be reached. */
    public boolean replicaSkipped() {
        return System.currentTimeMillis() < replicaSkippedUntil;
    }

    public Pool replica() {
        return replica;
    }


    public Pool primary() {
        return primary;
    }

    /** The primary, counted as a read (for reads that must be exact, such as authorisation checks). */
    public Pool exactRead() {
        primaryReads.increment();
        return primary;
    }

    /** Records that these users / groups were just written, on every instance. Call before returning the write's result. */
    public Uni<Void> wrote(List<Long> userIds, List<Long> groupIds) {
        return recent.wrote(userIds, groupIds);
    }
}
