package dev.tinyim.chat.permission;

import dev.tinyim.chat.ChatConfig;
import dev.tinyim.shared.error.ErrorCode;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 */
@ApplicationScoped
public class Permissions {
    private record Pair(long sender, long to) {
    }

    private record Entry<T>(T value, long until) {
    }

    private final RelationClient relation;
    private final long ttlMillis;
    private final int maxEntries;
    private final Map<Pair, Long> friends = new ConcurrentHashMap<>();
    private final Map<Long, Entry<List<Long>>> groups = new ConcurrentHashMap<>();
    private final AtomicLong epoch = new AtomicLong();

    public Permissions(RelationClient relation, ChatConfig config, MeterRegistry metrics) {
        this.relation = relation;
        this.ttlMillis = config.permissions().ttl().toMillis();
        this.maxEntries = config.permissions().maxEntries();
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
        if (until != null && until > System.currentTimeMillis()) {
            return Uni.createFrom().item(Direct.ALLOWED);
        }
        long seen = epoch.get();
        return relation.relationship(sender, to).map(f -> {
            if (!f.otherExists()) {
                return Direct.NO_SUCH_USER;
            }
            if (!f.friends()) {
                return Direct.NOT_FRIENDS;
            }
            if (f.blockedByOther()) {
                return Direct.BLOCKED;
            }
            remember(friends, pair, System.currentTimeMillis() + ttlMillis, seen);
            return Direct.ALLOWED;
        });
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
