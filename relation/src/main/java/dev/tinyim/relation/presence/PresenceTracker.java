package dev.tinyim.relation.presence;

import dev.tinyim.relation.RelationConfig;
import dev.tinyim.relation.store.Pools;
import dev.tinyim.shared.RedisKeys;
import dev.tinyim.shared.push.Push;
import dev.tinyim.shared.push.PushBus;
import dev.tinyim.shared.push.Route;
import dev.tinyim.shared.registry.Instance;
import dev.tinyim.shared.registry.ServiceDirectory;
import dev.tinyim.relation.wire.Protos;
import dev.tinyim.shared.wire.Event;
import dev.tinyim.shared.wire.WireJson;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import dev.tinyim.shared.redis.RedisPipeline;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * PROTOCOL.md 7.1 events. Gateways mark a user whenever one of their routes comes or goes
 * ({@link RedisKeys#PRESENCE_DIRTY}); {@code coalesce} after the first mark this tracker reads the user's
 * device types, compares them with the set last announced, and only where they differ pushes a {@code presence}
 * event to the friends' connections (not to those the user blocks) and stores {@code lastSeenAt} durably. A
 * disconnect and reconnect within the window (a gateway restart moving its users) announces nothing. Every
 * relation instance runs it; taking the marks out is atomic, so each change is looked at by one of them.
 * <p>
 * A gateway that dies closes nothing, and one that stops leaves the routes of the clients it moved away: its
 * routes are reaped here once it has been out of the registry for {@code reapGrace}. Each gateway run keeps the
 * set of routes it holds ({@link RedisKeys#presenceGatewayRoutes}); each of those still in the routing table
 * (no newer connection of that device type took it over) is removed, with the reap time as last seen, and its
 * user marked.
 */
@ApplicationScoped
public class PresenceTracker {
    private static final Logger LOG = Logger.getLogger(PresenceTracker.class);
    /** A gateway run this young may not have written its registration yet: not reaped. */
    private static final long YOUNG_MILLIS = 20_000;

    private static final String TAKE_DUE = """
            local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
            if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
            return due""";
    /**
     * KEYS: route; ARGV: device type, route value. 1 when the route was still this one and is gone now. One key per
     * script, so that it runs on a Redis Cluster too; the user's last-seen time and mark follow for those it removed.
     */
    private static final String REAP_ROUTE = """
            if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
              redis.call('HDEL', KEYS[1], ARGV[1])
              return 1
            end
            return 0""";

    private final Redis redis;
    private final RedisPipeline pipeline;
    private final Pools pools;
    private final PresenceService presence;
    private final PushBus pushBus;
    private final ServiceDirectory directory;
    private final Vertx vertx;
    private final RelationConfig.Presence config;
    private final List<Long> timers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicBoolean looking = new AtomicBoolean();
    private final AtomicBoolean reaping = new AtomicBoolean();
    private final Counter looked;
    private final Counter changes;
    private final Counter reaped;
    /** Gateway runs seen out of the registry, with when this instance first saw them so. */
    private final Map<String, Long> goneSince = new java.util.concurrent.ConcurrentHashMap<>();

    public PresenceTracker(Redis redis, RedisPipeline pipeline, Pools pools, PresenceService presence, PushBus pushBus, ServiceDirectory directory,
                           Vertx vertx, RelationConfig config, MeterRegistry metrics) {
        this.redis = redis;
        this.pipeline = pipeline;
        this.pools = pools;
        this.presence = presence;
        this.pushBus = pushBus;
        this.directory = directory;
        this.vertx = vertx;
        this.config = config.presence();
        this.looked = metrics.counter("tinyim.relation.presence.looked");
        this.changes = metrics.counter("tinyim.relation.presence.changes");
        this.reaped = metrics.counter("tinyim.relation.presence.reaped");
    }

    void onStart(@Observes StartupEvent event) {
        timers.add(vertx.setPeriodic(config.tick().toMillis(), ignored -> lookSoon()));
        timers.add(vertx.setPeriodic(config.reapEvery().toMillis(), ignored -> reapSoon()));
    }

    void onStop(@Observes ShutdownEvent event) {
        timers.forEach(vertx::cancelTimer);
    }

    private void lookSoon() {
        if (!looking.compareAndSet(false, true)) {
            return;
        }
        lookAtDue().subscribe().with(ok -> looking.set(false), e -> {
            looking.set(false);
            LOG.warnf("presence changes not looked at: %s", e.getMessage());
        });
    }

    /** Takes the marks that are due, a batch at a time, and announces what changed. */
    private Uni<Void> lookAtDue() {
        long dueBefore = System.currentTimeMillis() - config.coalesce().toMillis();
        return redis.send(Request.cmd(Command.EVAL).arg(TAKE_DUE).arg(1).arg(RedisKeys.PRESENCE_DIRTY)
                        .arg(dueBefore).arg(config.batch()))
                .chain(due -> {
                    List<Long> users = new ArrayList<>();
                    if (due != null) {
                        for (Response r : due) {
                            users.add(r.toLong());
                        }
                    }
                    if (users.isEmpty()) {
                        return Uni.createFrom().voidItem();
                    }
                    looked.increment(users.size());
                    return look(users)
                            // taken out but not announced (a database or Redis hiccup): marked again for the next tick
                            .onFailure().call(e -> remark(users))
                            .chain(() -> users.size() == config.batch() ? lookAtDue() : Uni.createFrom().voidItem());
                });
    }

    private Uni<Void> remark(List<Long> users) {
        Request zadd = Request.cmd(Command.ZADD).arg(RedisKeys.PRESENCE_DIRTY).arg("NX");
        long now = System.currentTimeMillis();
        users.forEach(u -> zadd.arg(now).arg(u));
        return redis.send(zadd).replaceWithVoid().onFailure().recoverWithNull();
    }

    /**
     * Compares the users' device types with what was last announced, announces the differences, and only then
     * records them as announced: a failure on the way leaves them to be looked at again (see {@link #remark}).
     */
    private Uni<Void> look(List<Long> users) {
        return presence.devices(users).chain(devices -> {
            Request hmget = Request.cmd(Command.HMGET).arg(RedisKeys.PRESENCE_ANNOUNCED);
            users.forEach(hmget::arg);
            return redis.send(hmget).chain(announced -> {
                List<Long> changed = new ArrayList<>();
                List<Request> record = new ArrayList<>();
                for (int i = 0; i < users.size(); i++) {
                    long user = users.get(i);
                    String now = String.join(",", devices.get(user));
                    String before = announced.get(i) == null ? "" : announced.get(i).toString();
                    if (!now.equals(before)) {
                        changed.add(user);
                        record.add(now.isEmpty() ? Request.cmd(Command.HDEL).arg(RedisKeys.PRESENCE_ANNOUNCED).arg(user)
                                : Request.cmd(Command.HSET).arg(RedisKeys.PRESENCE_ANNOUNCED).arg(user).arg(now));
                    }
                }
                return changed.isEmpty() ? Uni.createFrom().voidItem()
                        : announce(changed, devices).chain(() -> pipeline.batch(record)).replaceWithVoid();
            });
        });
    }

    /**
     * The presence of users whose device types changed, to their friends; offline ones' last seen stored. The
     * events carry the device types {@code look} compared, the same that it then records as announced.
     */
    private Uni<Void> announce(List<Long> changed, Map<Long, List<String>> devices) {
        changes.increment(changed.size());
        return presence.presenceOf(changed, devices).chain(now -> storeLastSeen(now.values())
                .chain(() -> friendsAndBlocked(changed))
                .chain(audience -> {
                    Map<Long, List<Push>> byFriend = new LinkedHashMap<>();
                    for (long user : changed) {
                        String frame = WireJson.event(Event.PRESENCE, WireJson.presence(Protos.presence(now.get(user))));
                        Set<Long> blocked = audience.blocked().getOrDefault(user, Set.of());
                        for (long friend : audience.friends().getOrDefault(user, List.of())) {
                            if (!blocked.contains(friend)) {
                                byFriend.computeIfAbsent(friend, f -> new ArrayList<>(1)).add(Push.toUser(friend, frame));
                            }
                        }
                    }
                    return pushBus.publish(byFriend.keySet(), byFriend::get);
                }));
    }

    private Uni<Void> storeLastSeen(Iterable<Presence> presences) {
        JsonArray rows = new JsonArray();
        for (Presence p : presences) {
            if (!p.online() && p.lastSeenAt() > 0) {
                rows.add(new JsonArray().add(p.userId()).add(p.lastSeenAt()));
            }
        }
        if (rows.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return pools.primary().preparedQuery("UPDATE profiles p JOIN JSON_TABLE(?, '$[*]' COLUMNS (u BIGINT PATH '$[0]',"
                        + " t BIGINT PATH '$[1]')) j ON p.user_id = j.u SET p.last_seen_at = GREATEST(p.last_seen_at, j.t)")
                .execute(Tuple.of(rows.encode())).replaceWithVoid();
    }

    private record Audience(Map<Long, List<Long>> friends, Map<Long, Set<Long>> blocked) {
    }

    /** Each user's friends and whom they block: two queries for the whole batch. */
    private Uni<Audience> friendsAndBlocked(List<Long> users) {
        String ids = PresenceService.idsParam(users);
        return pools.primary().preparedQuery("SELECT user_id, friend_id FROM friendships WHERE user_id IN " + PresenceService.IDS)
                .execute(Tuple.of(ids))
                .chain(friendRows -> pools.primary().preparedQuery("SELECT user_id, blocked_id FROM blocks WHERE user_id IN "
                                + PresenceService.IDS).execute(Tuple.of(ids))
                        .map(blockRows -> {
                            Map<Long, List<Long>> friends = new HashMap<>();
                            friendRows.forEach(r -> friends.computeIfAbsent(r.getLong("user_id"), u -> new ArrayList<>())
                                    .add(r.getLong("friend_id")));
                            Map<Long, Set<Long>> blocked = new HashMap<>();
                            blockRows.forEach(r -> blocked.computeIfAbsent(r.getLong("user_id"), u -> new HashSet<>())
                                    .add(r.getLong("blocked_id")));
                            return new Audience(friends, blocked);
                        }));
    }

    // ---------------------------------------------------------------- gateways that died

    private void reapSoon() {
        if (!reaping.compareAndSet(false, true)) {
            return;
        }
        reapDeadGateways().subscribe().with(ok -> reaping.set(false), e -> {
            reaping.set(false);
            LOG.warnf("routes of gone gateways not reaped: %s", e.getMessage());
        });
    }

    private Uni<Void> reapDeadGateways() {
        return redis.send(Request.cmd(Command.SMEMBERS).arg(RedisKeys.PRESENCE_GATEWAYS))
                .chain(reply -> {
                    List<String> runs = new ArrayList<>();
                    if (reply != null) {
                        reply.forEach(r -> runs.add(r.toString()));
                    }
                    if (runs.isEmpty()) {
                        return Uni.createFrom().voidItem();
                    }
                    return directory.live("gateway").chain(live -> {
                        Set<String> alive = new HashSet<>();
                        for (Instance i : live) {
                            alive.add(RedisKeys.gatewayIncarnation(i.id(), i.startedAt()));
                        }
                        long now = System.currentTimeMillis();
                        goneSince.keySet().retainAll(runs);
                        Uni<Void> chain = Uni.createFrom().voidItem();
                        for (String run : runs) {
                            if (alive.contains(run) || now - startedAt(run) <= YOUNG_MILLIS) {
                                goneSince.remove(run);
                            } else if (now - goneSince.computeIfAbsent(run, r -> now) >= config.reapGrace().toMillis()) {
                                chain = chain.chain(() -> reap(run)).invoke(() -> goneSince.remove(run));
                            }
                        }
                        return chain;
                    });
                });
    }

    private static long startedAt(String run) {
        try {
            return Long.parseLong(run.substring(run.lastIndexOf('@') + 1));
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** Removes the routes of one gone gateway run, a batch at a time (SPOP: instances share the work). */
    private Uni<Void> reap(String run) {
        String key = RedisKeys.presenceGatewayRoutes(run);
        return redis.send(Request.cmd(Command.SPOP).arg(key).arg(500)).chain(reply -> {
            List<String> members = new ArrayList<>();
            if (reply != null) {
                reply.forEach(r -> members.add(r.toString()));
            }
            if (members.isEmpty()) {
                LOG.infof("gateway run %s is gone; its routes are reaped", run);
                return redis.send(Request.cmd(Command.SREM).arg(RedisKeys.PRESENCE_GATEWAYS).arg(run)).replaceWithVoid();
            }
            String now = Long.toString(System.currentTimeMillis());
            List<Request> batch = new ArrayList<>(members.size());
            List<Long> users = new ArrayList<>(members.size());
            for (String member : members) {
                long user = Route.memberUser(member);
                Route route = Route.fromMember(member);
                users.add(user);
                batch.add(Request.cmd(Command.EVAL).arg(REAP_ROUTE).arg(1).arg(RedisKeys.route(user))
                        .arg(route.deviceType()).arg(route.encode()));
            }
            return pipeline.batch(batch).chain(removed -> {
                        List<Request> marks = new ArrayList<>();
                        for (int i = 0; i < users.size(); i++) {
                            if (removed.get(i) != null && removed.get(i).toInteger() == 1) {
                                marks.add(Request.cmd(Command.HSET).arg(RedisKeys.PRESENCE_LAST_SEEN).arg(users.get(i)).arg(now));
                                marks.add(Request.cmd(Command.ZADD).arg(RedisKeys.PRESENCE_DIRTY).arg("NX").arg(now).arg(users.get(i)));
                            }
                        }
                        return marks.isEmpty() ? Uni.createFrom().voidItem() : pipeline.batch(marks).replaceWithVoid();
                    })
                    .invoke(() -> reaped.increment(members.size())).chain(() -> reap(run));
        });
    }
}
