package dev.tinyim.relation.presence;

import dev.tinyim.relation.store.Pools;
import dev.tinyim.relation.store.RecentWrites;
import dev.tinyim.shared.RedisKeys;
import dev.tinyim.shared.RedisReplies;
import dev.tinyim.shared.error.ErrorCode;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.mutiny.redis.client.Command;
import dev.tinyim.shared.redis.RedisPipeline;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * PROTOCOL.md 7.1 read side: a user's connected device types are the device types of their routes in the
 * routing table (what the gateways write); {@code lastSeenAt} is Redis' newest close time, or the durable copy
 * in {@code profiles.last_seen_at} when Redis lost it. A user who blocks the caller is reported offline, never seen.
 */
@ApplicationScoped
public class PresenceService {
    public static final int MAX_IDS = 200;
    /** The ids of a JSON array parameter, as a derived table. */
    static final String IDS = "(SELECT j.u FROM JSON_TABLE(?, '$[*]' COLUMNS (u BIGINT PATH '$')) j)";

    private final Pools pools;
    private final Redis redis;
    private final RedisPipeline pipeline;

    public PresenceService(Pools pools, Redis redis, RedisPipeline pipeline) {
        this.pools = pools;
        this.redis = redis;
        this.pipeline = pipeline;
    }

    /** presence.get: the caller and the caller's friends only (forbidden otherwise), in the order asked. */
    public Uni<List<Presence>> get(long callerId, List<Long> userIds) {
        if (userIds.isEmpty() || userIds.size() > MAX_IDS) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("userIds must list 1-" + MAX_IDS + " ids"));
        }
        Set<Long> others = new LinkedHashSet<>(userIds);
        others.remove(callerId);
        List<Long> distinct = new ArrayList<>(new LinkedHashSet<>(userIds));
        return friendsAndBlockers(callerId, others).chain(fb -> {
            for (long other : others) {
                if (!fb.friends().contains(other)) {
                    return Uni.createFrom().<List<Presence>>failure(
                            ErrorCode.FORBIDDEN.exception("user " + other + " is neither you nor a friend of yours"));
                }
            }
            return presenceOf(distinct).map(known -> {
                List<Presence> result = new ArrayList<>(userIds.size());
                for (long id : userIds) {
                    result.add(fb.blockers().contains(id) ? hidden(id) : known.get(id));
                }
                return result;
            });
        });
    }

    /** How a user who blocks the viewer looks to them (PROTOCOL.md 7.1). */
    public static Presence hidden(long userId) {
        return Presence.hidden(userId);
    }

    private record FriendsAndBlockers(Set<Long> friends, Set<Long> blockers) {
    }

    private Uni<FriendsAndBlockers> friendsAndBlockers(long callerId, Collection<Long> others) {
        if (others.isEmpty()) {
            return Uni.createFrom().item(new FriendsAndBlockers(Set.of(), Set.of()));
        }
        String ids = idsParam(others);
        return pools.read(pool -> pool.preparedQuery("SELECT friend_id FROM friendships WHERE user_id = ? AND friend_id IN " + IDS)
                        .execute(Tuple.of(callerId, ids))
                        .chain(friends -> pool.preparedQuery("SELECT user_id FROM blocks WHERE blocked_id = ? AND user_id IN " + IDS)
                                .execute(Tuple.of(callerId, ids))
                                .map(blockers -> {
                                    Set<Long> f = new HashSet<>();
                                    friends.forEach(row -> f.add(row.getLong("friend_id")));
                                    Set<Long> b = new HashSet<>();
                                    blockers.forEach(row -> b.add(row.getLong("user_id")));
                                    return new FriendsAndBlockers(f, b);
                                })), RecentWrites.user(callerId));
    }

    /** The ids as the JSON array parameter {@link #IDS} reads. */
    static String idsParam(Collection<Long> ids) {
        return new JsonArray(new ArrayList<Object>(ids)).encode();
    }

    /** Each user's presence as it is now (no blocking applied). */
    public Uni<Map<Long, Presence>> presenceOf(List<Long> userIds) {
        return devices(userIds).chain(devices -> presenceOf(userIds, devices));
    }

    /** Each user's presence from the device types just read for them ({@link #devices}) and their last-seen time. */
    public Uni<Map<Long, Presence>> presenceOf(List<Long> userIds, Map<Long, List<String>> devices) {
        return lastSeen(userIds).map(lastSeen -> {
            Map<Long, Presence> result = new HashMap<>();
            for (long id : userIds) {
                List<String> connected = devices.get(id);
                result.put(id, new Presence(id, !connected.isEmpty(), List.copyOf(connected),
                        connected.isEmpty() ? lastSeen.getOrDefault(id, 0L) : 0));
            }
            return result;
        });
    }

    /** The device types each user has a route for, sorted (one pipelined round trip). */
    public Uni<Map<Long, List<String>>> devices(List<Long> userIds) {
        List<Request> lookups = new ArrayList<>(userIds.size());
        for (long id : userIds) {
            lookups.add(Request.cmd(Command.HGETALL).arg(RedisKeys.route(id)));
        }
        return pipeline.batch(lookups).map(replies -> {
            Map<Long, List<String>> result = new HashMap<>();
            for (int i = 0; i < userIds.size(); i++) {
                result.put(userIds.get(i), new ArrayList<>(new TreeSet<>(RedisReplies.asMap(replies.get(i)).keySet())));
            }
            return result;
        });
    }

    /** When each user's last connection closed: Redis first, the durable column for those Redis does not know. */
    public Uni<Map<Long, Long>> lastSeen(List<Long> userIds) {
        Request hmget = Request.cmd(Command.HMGET).arg(RedisKeys.PRESENCE_LAST_SEEN);
        userIds.forEach(hmget::arg);
        return redis.send(hmget).chain(reply -> {
            Map<Long, Long> result = new HashMap<>();
            List<Long> unknown = new ArrayList<>();
            for (int i = 0; i < userIds.size(); i++) {
                Response value = reply.get(i);
                if (value == null) {
                    unknown.add(userIds.get(i));
                } else {
                    result.put(userIds.get(i), value.toLong());
                }
            }
            if (unknown.isEmpty()) {
                return Uni.createFrom().item(result);
            }
            return pools.read(pool -> pool.preparedQuery("SELECT user_id, last_seen_at FROM profiles WHERE user_id IN " + IDS)
                            .execute(Tuple.of(idsParam(unknown))))
                    .map(rows -> {
                        rows.forEach(row -> result.put(row.getLong("user_id"), row.getLong("last_seen_at")));
                        return result;
                    });
        });
    }
}
