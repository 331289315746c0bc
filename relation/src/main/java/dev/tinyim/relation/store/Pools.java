package dev.tinyim.relation.store;

import dev.tinyim.relation.RelationConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import dev.tinyim.shared.redis.RedisPipeline;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/**
 * Read/write splitting. Writes use the primary. Reads use the replica, except for a user or group written
 * within the read-your-writes window: those read the primary, so a command issued after a result sees it
 * however far the replica lags (up to the window). A replica that cannot be reached is skipped: the read is
 * served by the primary, and the replica is tried again after a pause.
 */
@ApplicationScoped
@io.quarkus.runtime.Startup // registers the per-pool read counters before the first read
public class Pools {
    private final Pool primary;
    private final Pool replica;
    private final Redis redis;
    private final RedisPipeline pipeline;
    private final long windowMillis;
    private final Counter primaryReads;
    private final Counter replicaReads;
    private final Counter replicaFallbacks;
    private volatile long replicaSkippedUntil;

    public Pools(Pool primary, @ReactiveDataSource("replica") Pool replica, Redis redis, RedisPipeline pipeline, RelationConfig config,
                 MeterRegistry metrics) {
        this.primary = primary;
        this.replica = replica;
        this.redis = redis;
        this.pipeline = pipeline;
        this.windowMillis = config.readYourWritesWindow().toMillis();
        this.primaryReads = Counter.builder("tinyim.db.reads").tag("pool", "primary").register(metrics);
        this.replicaReads = Counter.builder("tinyim.db.reads").tag("pool", "replica").register(metrics);
        this.replicaFallbacks = Counter.builder("tinyim.db.replica.fallbacks")
                .description("reads moved to the primary because the replica could not be reached").register(metrics);
    }

    private static final long REPLICA_PAUSE_MILLIS = 5_000;
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(Pools.class);

    /**
     * Runs a read on the pool {@link #forRead} picks for these marks; if that is the replica and it cannot be
     * reached (not an SQL error: a connection that fails), the same read runs on the primary.
     */
    public <T> Uni<T> read(java.util.function.Function<Pool, Uni<T>> query, String... marks) {
        return forRead(marks).chain(pool -> pool == primary ? query.apply(primary)
                : query.apply(replica).onFailure(dev.tinyim.shared.error.Failures::unreachable).recoverWithUni(failure -> {
                    replicaSkippedUntil = System.currentTimeMillis() + REPLICA_PAUSE_MILLIS;
                    replicaFallbacks.increment();
                    primaryReads.increment();
                    LOG.warnf("replica unreachable (%s): reads go to the primary for %d s", failure, REPLICA_PAUSE_MILLIS / 1000);
                    return query.apply(primary);
                }));
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

    public static String userMark(long userId) {
        return "tinyim:relation:recent:u:" + userId;
    }

    public static String groupMark(long groupId) {
        return "tinyim:relation:recent:g:" + groupId;
    }

    /** Records that these users / groups were just written. Call before returning the write's result. */
    public Uni<Void> wrote(List<Long> userIds, List<Long> groupIds) {
        List<Request> marks = new ArrayList<>();
        userIds.forEach(u -> marks.add(Request.cmd(Command.SET).arg(userMark(u)).arg("1").arg("PX").arg(windowMillis)));
        groupIds.forEach(g -> marks.add(Request.cmd(Command.SET).arg(groupMark(g)).arg("1").arg("PX").arg(windowMillis)));
        return marks.isEmpty() ? Uni.createFrom().voidItem() : pipeline.batch(marks).replaceWithVoid();
    }

    /** The pool for a read about these marks (userMark / groupMark keys). */
    private Uni<Pool> forRead(String... marks) {
        Request exists = Request.cmd(Command.EXISTS);
        for (String mark : marks) {
            exists.arg(mark);
        }
        return redis.send(exists)
                .map(reply -> reply != null && reply.toInteger() > 0)
                .onFailure().recoverWithItem(true)
                .map(recent -> {
                    if (recent || replicaSkipped()) {
                        primaryReads.increment();
                        return primary;
                    }
                    replicaReads.increment();
                    return replica;
                });
    }
}
