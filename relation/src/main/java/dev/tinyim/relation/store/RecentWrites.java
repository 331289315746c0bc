package dev.tinyim.relation.store;

import dev.tinyim.proto.relation.v1.MarkWrittenRequest;
import dev.tinyim.proto.relation.v1.MutinyRelationServiceGrpc;
import dev.tinyim.relation.RelationConfig;
import dev.tinyim.shared.grpc.BackendChannels;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The users and groups written within the read-your-writes window, kept in memory by every relation instance:
 * a read about one of them goes to the primary, any other read to the replica, with no round trip to ask (each
 * read used to ask Redis for a mark: a third of relation's work per {@code user.get}, docs/history/measurements.md).
 * <p>
 * A write is marked here and on every relation instance ({@code MarkWritten}, this one included) before its
 * command returns, so a read through any instance after that sees it. An instance cannot know what was written
 * before the others could find it, so for its first {@code read-your-writes-window} plus
 * {@code read-your-writes-join} it counts every user and group as just written (those reads go to the primary).
 * An instance that could not be told is logged and counted ({@code tinyim.relation.marks.unconfirmed}): its reads
 * about that write may reach a lagging replica until the window ends.
 */
@ApplicationScoped
@io.quarkus.runtime.Startup // its first period counts from the process's start, not from its first use
public class RecentWrites {
    private static final Logger LOG = Logger.getLogger(RecentWrites.class);

    /** A user or a group, as marked. */
    public record Key(boolean group, long id) {
    }

    private final Map<Key, Long> until = new ConcurrentHashMap<>();
    private final List<Consumer<Collection<Long>>> userListeners = new CopyOnWriteArrayList<>();
    private final long windowMillis;
    private final long knowsAllFrom;
    private final LongSupplier clock;
    private final BackendChannels backends;
    /** Whether relation instances are among the backends to tell (not in relation's module tests). */
    private final boolean tellsInstances;
    private final Counter unconfirmed;

    @Inject
    public RecentWrites(RelationConfig config, BackendChannels backends, Vertx vertx, MeterRegistry metrics) {
        this(config.readYourWritesWindow().toMillis(), config.readYourWritesJoin().toMillis(), System::currentTimeMillis,
                backends, metrics);
        vertx.setPeriodic(Math.max(1_000, windowMillis), ignored -> sweep());
    }

    RecentWrites(long windowMillis, long joinMillis, LongSupplier clock, BackendChannels backends, MeterRegistry metrics) {
        this.windowMillis = windowMillis;
        this.knowsAllFrom = clock.getAsLong() + windowMillis + joinMillis;
        this.clock = clock;
        this.backends = backends;
        this.tellsInstances = backends.services().contains("relation");
        this.unconfirmed = Counter.builder("tinyim.relation.marks.unconfirmed")
                .description("relation instances that did not confirm a write's read-your-writes mark").register(metrics);
        Gauge.builder("tinyim.relation.marks.complete", this, r -> r.complete() ? 1 : 0)
                .description("1 once this instance knows every write of the window (0: its first period, reads about "
                        + "users and groups go to the primary)").register(metrics);
        metrics.gaugeMapSize("tinyim.relation.marks", java.util.List.of(), until);
    }

    public static Key user(long userId) {
        return new Key(false, userId);
    }

    public static Key group(long groupId) {
        return new Key(true, groupId);
    }

    /**
     * Marks these users and groups here and on every relation instance; completes once each has answered (one that
     * did not is logged and counted, not failed: the write itself is done).
     */
    public Uni<Void> wrote(Collection<Long> userIds, Collection<Long> groupIds) {
        if (userIds.isEmpty() && groupIds.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        mark(userIds, groupIds);
        if (!tellsInstances) {
            return Uni.createFrom().voidItem(); // a relation without peers to tell (its module tests)
        }
        MarkWrittenRequest request = MarkWrittenRequest.newBuilder().addAllUserIds(userIds).addAllGroupIds(groupIds).build();
        return backends.callEach("relation", MutinyRelationServiceGrpc::newMutinyStub, stub -> stub.markWritten(request))
                .invoke(failed -> {
                    if (failed > 0) {
                        unconfirmed.increment(failed);
                        LOG.warnf("%d relation instance(s) did not confirm the mark of users %s groups %s", failed, userIds, groupIds);
                    }
                })
                .onFailure().invoke(e -> {
                    unconfirmed.increment();
                    LOG.warnf("relation instances not told of the write of users %s groups %s: %s", userIds, groupIds, e.getMessage());
                })
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** Marks these users and groups on this instance only (a {@code MarkWritten} from an instance that wrote them). */
    public void mark(Collection<Long> userIds, Collection<Long> groupIds) {
        long end = clock.getAsLong() + windowMillis;
        userIds.forEach(u -> until.merge(user(u), end, Math::max));
        groupIds.forEach(g -> until.merge(group(g), end, Math::max));
        if (!userIds.isEmpty()) {
            userListeners.forEach(listener -> listener.accept(userIds));
        }
    }

    /**
     * Called with the users of every mark on this instance, after it is marked and before the write's command
     * returns: what this instance keeps about them (the profiles {@code ProfileStore} keeps) is to be dropped.
     */
    public void whenUsersMarked(Consumer<Collection<Long>> listener) {
        userListeners.add(listener);
    }

    /** Whether any of these was written within the window (always, in this instance's first period). */
    public boolean recent(Key... keys) {
        long now = clock.getAsLong();
        if (now < knowsAllFrom) {
            return true;
        }
        for (Key key : keys) {
            Long end = until.get(key);
            if (end != null && end > now) {
                return true;
            }
        }
        return false;
    }

    /** Whether this instance knows every write of the window (past its first period). */
    public boolean complete() {
        return clock.getAsLong() >= knowsAllFrom;
    }

    /** Drops the marks whose window has ended. */
    void sweep() {
        long now = clock.getAsLong();
        until.values().removeIf(end -> end <= now);
    }

    int size() {
        return until.size();
    }
}
