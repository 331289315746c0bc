package dev.tinyim.relation.store;

import dev.tinyim.relation.RelationConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.reactive.datasource.ReactiveDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/**
 * Read/write splitting. Writes use the primary. Reads use the replica, except for a user or group written
 * within the read-your-writes window: those read the primary, so a command issued after a result sees it
 * however far the replica lags (up to the window).
 */
@ApplicationScoped
@io.quarkus.runtime.Startup // registers the per-pool read counters before the first read
public class Pools {
    private final Pool primary;
    private final Pool replica;
    private final Redis redis;
    private final long windowMillis;
    private final Counter primaryReads;
    private final Counter replicaReads;

    public Pools(Pool primary, @ReactiveDataSource("replica") Pool replica, Redis redis, RelationConfig config,
                 MeterRegistry metrics) {
        this.primary = primary;
        this.replica = replica;
        this.redis = redis;
        this.windowMillis = config.readYourWritesWindow().toMillis();
        this.primaryReads = Counter.builder("tinyim.db.reads").tag("pool", "primary").register(metrics);
        this.replicaReads = Counter.builder("tinyim.db.reads").tag("pool", "replica").register(metrics);
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
        return marks.isEmpty() ? Uni.createFrom().voidItem() : redis.batch(marks).replaceWithVoid();
    }

    /** The pool for a read about these marks (userMark / groupMark keys). */
    public Uni<Pool> forRead(String... marks) {
        Request exists = Request.cmd(Command.EXISTS);
        for (String mark : marks) {
            exists.arg(mark);
        }
        return redis.send(exists)
                .map(reply -> reply != null && reply.toInteger() > 0)
                .onFailure().recoverWithItem(true)
                .map(recent -> {
                    if (recent) {
                        primaryReads.increment();
                        return primary;
                    }
                    replicaReads.increment();
                    return replica;
                });
    }
}
