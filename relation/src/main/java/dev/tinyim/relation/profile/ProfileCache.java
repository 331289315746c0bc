package dev.tinyim.relation.profile;

import dev.tinyim.proto.relation.v1.ForgetProfilesRequest;
import dev.tinyim.proto.relation.v1.MutinyRelationServiceGrpc;
import dev.tinyim.relation.RelationConfig;
import dev.tinyim.shared.grpc.BackendChannels;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The profiles {@code user.get} read, kept in this instance: a hit costs no Redis read-your-writes check and no
 * replica query (about 14 of the 22 system calls a {@code user.get} cost across the processes, docs/benchmarks.md).
 * <p>
 * A profile changes only by its owner's {@code user.update}; the instance that writes it makes every relation
 * instance forget it ({@code ForgetProfiles}) before the command returns, so the next read anywhere goes to the
 * database (the primary, while the write's read-your-writes mark lasts). A read that was under way when a forget
 * arrived is not kept (the epoch check): it may have read the old row. Entries also lapse after
 * {@code tinyim.relation.profiles.ttl}, a safety net for a forget that an unreachable instance never got. Only
 * profiles that exist are kept, so a user registered a moment ago is found at once.
 */
@ApplicationScoped
public class ProfileCache {
    private static final Logger LOG = Logger.getLogger(ProfileCache.class);

    private record Entry(Profile profile, long until) {
    }

    private final Map<Long, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong epoch = new AtomicLong();
    private final BackendChannels backends;
    private final long ttlMillis;
    private final int maxEntries;
    private final LongSupplier clock;
    private final Counter hits;
    private final Counter misses;

    @Inject
    public ProfileCache(BackendChannels backends, RelationConfig config, MeterRegistry metrics) {
        this(backends, config.profiles().ttl().toMillis(), config.profiles().maxEntries(), System::currentTimeMillis, metrics);
    }

    ProfileCache(BackendChannels backends, long ttlMillis, int maxEntries, LongSupplier clock, MeterRegistry metrics) {
        this.backends = backends;
        this.ttlMillis = ttlMillis;
        this.maxEntries = maxEntries;
        this.clock = clock;
        this.hits = Counter.builder("tinyim.relation.profiles.cache").tag("result", "hit").register(metrics);
        this.misses = Counter.builder("tinyim.relation.profiles.cache").tag("result", "miss").register(metrics);
        metrics.gaugeMapSize("tinyim.relation.profiles.cached", List.of(), entries);
    }

    /** The kept profile, or null (then read it, with {@link #epoch()} taken first, and {@link #keep} it). */
    public Profile get(long userId) {
        Entry e = entries.get(userId);
        if (e != null && e.until() > clock.getAsLong()) {
            hits.increment();
            return e.profile();
        }
        if (e != null) {
            entries.remove(userId, e);
        }
        misses.increment();
        return null;
    }

    /** Taken before a read whose result is to be kept. */
    public long epoch() {
        return epoch.get();
    }

    /** Keeps a profile read after {@code seenEpoch} was taken, unless a forget arrived since. */
    public void keep(Profile profile, long seenEpoch) {
        if (profile == null || epoch.get() != seenEpoch) {
            return;
        }
        if (entries.size() >= maxEntries) {
            entries.clear();
        }
        Entry e = new Entry(profile, clock.getAsLong() + ttlMillis);
        entries.put(profile.userId(), e);
        if (epoch.get() != seenEpoch) {
            // a forget arrived between the check and the put: what was read may be older than it
            entries.remove(profile.userId(), e);
        }
    }

    /** Forgets these profiles here; reads under way are not kept. */
    public void forget(List<Long> userIds) {
        epoch.incrementAndGet();
        userIds.forEach(entries::remove);
    }

    /**
     * Forgets a changed profile here and in every other relation instance; completes when all answered. An
     * instance that did not is logged: its copy lapses within the ttl.
     */
    public Uni<Void> forgetEverywhere(long userId) {
        forget(List.of(userId));
        ForgetProfilesRequest request = ForgetProfilesRequest.newBuilder().addUserIds(userId).build();
        return backends.callEach("relation", MutinyRelationServiceGrpc::newMutinyStub, stub -> stub.forgetProfiles(request))
                .invoke(failed -> {
                    if (failed > 0) {
                        LOG.warnf("%d relation instance(s) did not confirm forgetting the profile of %d", failed, userId);
                    }
                })
                .onFailure().invoke(e -> LOG.warnf("relation instances not told to forget the profile of %d: %s", userId, e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
