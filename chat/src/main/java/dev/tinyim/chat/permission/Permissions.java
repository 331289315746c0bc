package dev.tinyim.chat.permission;

import dev.tinyim.chat.ChatConfig;
import dev.tinyim.shared.error.ErrorCode;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Who may write to whom: friendships and group member lists, asked of relation once and then remembered, so a
 * send costs no call to relation. Only what allows a send is remembered (friends, a group's members), never a
 * refusal, so a friendship accepted a moment ago is used at once.
 * <p>
 * Relation narrows it: after a friendship is removed or a group's members change, and before that command
 * returns, it calls {@code ForgetRelations} on every chat instance ({@link #forget}). A lookup that was already
 * under way when a forget arrived is not remembered (the epoch check), since it may have read the old state.
 * Entries also lapse after {@code tinyim.chat.permissions.ttl}, a safety net for a forget that never arrived.
 * <p>
 * A friendship used in the last quarter of its time is looked up again in the background, while it still
 * allows the send: the pairs that a burst of sends remembered together would otherwise lapse together, and every
 * send of the next burst would wait for relation (4,000 pairs at 2,000 msg/s cost relation 0.04 ms per message,
 * docs/history/measurements.md). Those refreshes are gathered for {@link #REFRESH_DELAY_MS} and asked in few calls.
 */
@ApplicationScoped
public class Permissions {
    private record Pair(long sender, long to) {
        /** Mixed: a record's 31 * sender + to puts neighbouring ids (a ring of friends) into a few buckets. */
        @Override
        public int hashCode() {
            return Long.hashCode((sender * 0x9E3779B97F4A7C15L) ^ to);
        }
    }

    private record Entry<T>(T value, long until) {
    }

    static final long REFRESH_DELAY_MS = 1000;

    private final RelationClient relation;
    private final Vertx vertx;
    private final long ttlMillis;
    private final long refreshDelayMs;
    private final int maxEntries;
    private final Map<Pair, Long> friends = new ConcurrentHashMap<>();
    private final Map<Long, Entry<List<Long>>> groups = new ConcurrentHashMap<>();
    private final AtomicLong epoch = new AtomicLong();
    private final Set<Pair> refreshes = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean refreshScheduled = new AtomicBoolean();

    @Inject
    public Permissions(RelationClient relation, ChatConfig config, MeterRegistry metrics, Vertx vertx) {
        this(relation, config.permissions().ttl().toMillis(), config.permissions().maxEntries(), REFRESH_DELAY_MS, metrics, vertx);
    }

    Permissions(RelationClient relation, long ttlMillis, int maxEntries, long refreshDelayMs, MeterRegistry metrics, Vertx vertx) {
        this.relation = relation;
        this.vertx = vertx;
        this.refreshDelayMs = refreshDelayMs;
        this.ttlMillis = ttlMillis;
        this.maxEntries = maxEntries;
        metrics.gaugeMapSize("tinyim.chat.permissions.friendships", List.of(), friends);
        metrics.gaugeMapSize("tinyim.chat.permissions.groups", List.of(), groups);
    }

    /** What a user may do towards another in a 1:1 conversation. */
    public enum Direct { ALLOWED, BLOCKED, NOT_FRIENDS, NO_SUCH_USER }

    /**
     * Whether {@code sender} may write to {@code to}: friends, and {@code to} does not block {@code sender}
     * (PROTOCOL.md 7.6). Only ALLOWED is remembered; relation makes chat forget it after a block or a removal.
     */
    public Uni<Direct> direct(long sender, long to) {
        Pair pair = new Pair(sender, to);
        Long until = friends.get(pair);
        long now = System.currentTimeMillis();
        if (until != null && until > now) {
            if (until - now < ttlMillis / 4) {
                refreshLater(pair);
            }
            return Uni.createFrom().item(Direct.ALLOWED);
        }
        return lookUp(pair);
    }

    private Uni<Direct> lookUp(Pair pair) {
        long seen = epoch.get();
        return relation.relationship(pair.sender(), pair.to()).map(f -> {
            Direct d = !f.otherExists() ? Direct.NO_SUCH_USER
                    : !f.friends() ? Direct.NOT_FRIENDS
                    : f.blockedByOther() ? Direct.BLOCKED : Direct.ALLOWED;
            if (d == Direct.ALLOWED) {
                remember(friends, pair, System.currentTimeMillis() + ttlMillis, seen);
            } else {
                friends.remove(pair); // a refresh that finds the friendship gone
            }
            return d;
        });
    }

    private void refreshLater(Pair pair) {
        if (refreshes.add(pair) && refreshScheduled.compareAndSet(false, true)) {
            vertx.setTimer(refreshDelayMs, id -> {
                refreshScheduled.set(false);
                List<Pair> due = new ArrayList<>(refreshes);
                // each lookup joins the relation call under way or the next (RelationClient coalesces them)
                for (Pair p : due) {
                    lookUp(p).subscribe().with(d -> refreshes.remove(p), e -> refreshes.remove(p));
                }
            });
        }
    }

    /** Whether refreshes are waiting or under way (their answers not yet applied). */
    boolean refreshing() {
        return !refreshes.isEmpty();
    }

    /** Succeeds when {@code sender} may write to {@code to}; else fails with not_found (no such user) or forbidden. */
    public Uni<Void> requireFriends(long sender, long to) {
        return direct(sender, to).map(d -> switch (d) {
            case ALLOWED -> null;
            case NO_SUCH_USER -> throw ErrorCode.NOT_FOUND.exception("no such user");
            case NOT_FRIENDS -> throw ErrorCode.FORBIDDEN.exception("you can only message friends");
            case BLOCKED -> throw ErrorCode.FORBIDDEN.exception("you cannot message this user");
        });
    }

    /** Who has blocked this user, asked of relation each time (group typing only: one call per 2 s at most). */
    public Uni<List<Long>> blockersOf(long userId) {
        return relation.blockers(userId);
    }

    /** The group's members now (sorted), or a failure: not_found for no such group. */
    public Uni<List<Long>> members(long groupId) {
        Entry<List<Long>> cached = groups.get(groupId);
        if (cached != null && cached.until() > System.currentTimeMillis()) {
            return Uni.createFrom().item(cached.value());
        }
        long seen = epoch.get();
        return relation.groupMembers(groupId).map(g -> {
            if (!g.exists()) {
                throw ErrorCode.NOT_FOUND.exception("no such group");
            }
            List<Long> members = List.copyOf(g.memberIds());
            remember(groups, groupId, new Entry<>(members, System.currentTimeMillis() + ttlMillis), seen);
            return members;
        });
    }

    private <K, V> void remember(Map<K, V> cache, K key, V value, long seenEpoch) {
        if (cache.size() >= maxEntries) {
            cache.clear();
        }
        cache.put(key, value);
        if (epoch.get() != seenEpoch) {
            // a forget arrived while this was looked up: what was read may be older than it
            cache.remove(key);
        }
    }

    /** Forgets these pairs (both directions) and groups; lookups under way are not remembered. */
    public void forget(List<long[]> pairs, List<Long> groupIds) {
        epoch.incrementAndGet();
        for (long[] p : pairs) {
            friends.remove(new Pair(p[0], p[1]));
            friends.remove(new Pair(p[1], p[0]));
        }
        groupIds.forEach(groups::remove);
    }
}
