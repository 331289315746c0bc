package dev.tinyim.gateway.connection;

import dev.tinyim.shared.RedisKeys;
import dev.tinyim.shared.push.Route;
import dev.tinyim.shared.registry.SelfRegistration;
import dev.tinyim.shared.batch.InFlightBatcher;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import dev.tinyim.shared.redis.RedisPipeline;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The routing table: user to device type to the (gateway, connection, session) holding it. Entries expire
 * unless the holding gateway renews them, so a crashed gateway's routes vanish by themselves. Every change
 * also leaves relation a presence signal in the same round trip (PROTOCOL.md 7.1): the user is marked for a
 * look at their device types, this gateway run's route set holds the route (for the reaping of a run that is
 * gone), and a close records the time for {@code lastSeenAt}.
 */
@ApplicationScoped
public class RouteTable {
    static final long TTL_SECONDS = 120;
    private static final String DELETE_IF_MINE =
            "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0";

    static final int REMOVALS_PER_BATCH = 256;
    static final int REMOVAL_BATCHES = 4;

    private record Removal(long userId, Route route, long closedAt) {
    }

    private final Redis redis;
    private final RedisPipeline pipeline;
    private final InFlightBatcher<Removal, Void> removals =
            new InFlightBatcher<>(REMOVALS_PER_BATCH, REMOVAL_BATCHES, this::writeRemovals, size -> { });
    private final String incarnation;
    private final String routesKey;

    public RouteTable(Redis redis, RedisPipeline pipeline, SelfRegistration self) {
        this.redis = redis;
        this.pipeline = pipeline;
        this.incarnation = RedisKeys.gatewayIncarnation(self.self().id(), self.self().startedAt());
        this.routesKey = RedisKeys.presenceGatewayRoutes(incarnation);
    }

    public Uni<Optional<Route>> get(long userId, String deviceType) {
        return redis.send(Request.cmd(Command.HGET).arg(RedisKeys.route(userId)).arg(deviceType))
                .map(reply -> reply == null ? Optional.<Route>empty() : Optional.of(Route.decode(deviceType, reply.toString())));
    }

    public Uni<Void> put(long userId, Route route) {
        return write(Command.HSET, userId, route);
    }

    /**
     * Removes the entry only while it still names this connection (a newer one may have replaced it), and
     * records {@code closedAt} as the user's last-seen time. Removals that arrive while earlier ones are being
     * written go together in the next pipeline ({@link InFlightBatcher}: {@link #REMOVALS_PER_BATCH} at most,
     * {@link #REMOVAL_BATCHES} at a time): when 16,667 connections of a gateway closed at once, one pipeline each
     * overflowed the Redis pool's wait queue and left routes (and presence) behind until they expired.
     */
    public Uni<Void> remove(long userId, Route route, long closedAt) {
        return removals.submit(new Removal(userId, route, closedAt));
    }

    private Uni<List<Void>> writeRemovals(List<Removal> batch) {
        List<Request> requests = new ArrayList<>(batch.size() + 3);
        Request members = Request.cmd(Command.SREM).arg(routesKey);
        Request lastSeen = Request.cmd(Command.HSET).arg(RedisKeys.PRESENCE_LAST_SEEN);
        Request changed = presenceChanged();
        for (Removal r : batch) {
            requests.add(Request.cmd(Command.EVAL).arg(DELETE_IF_MINE).arg(1).arg(RedisKeys.route(r.userId()))
                    .arg(r.route().deviceType()).arg(r.route().encode()));
            members.arg(r.route().member(r.userId()));
            lastSeen.arg(r.userId()).arg(r.closedAt());
            changed.arg(r.closedAt()).arg(r.userId());
        }
        requests.add(members);
        requests.add(lastSeen);
        requests.add(changed);
        return pipeline.batch(requests).map(done -> Collections.nCopies(batch.size(), (Void) null));
    }

    /** Writes the route again only where its device type has none (a newer connection may hold it now). */
    public Uni<Void> restore(long userId, Route route) {
        return write(Command.HSETNX, userId, route);
    }

    private Uni<Void> write(Command set, long userId, Route route) {
        return pipeline.batch(List.of(
                        Request.cmd(set).arg(RedisKeys.route(userId)).arg(route.deviceType()).arg(route.encode()),
                        Request.cmd(Command.EXPIRE).arg(RedisKeys.route(userId)).arg(TTL_SECONDS),
                        Request.cmd(Command.SADD).arg(routesKey).arg(route.member(userId)),
                        Request.cmd(Command.SADD).arg(RedisKeys.PRESENCE_GATEWAYS).arg(incarnation),
                        presenceChanged().arg(System.currentTimeMillis()).arg(userId)))
                .replaceWithVoid();
    }

    /**
     * The presence signal, to be followed by (time, user id) pairs: NX keeps the time of the first change relation
     * has not looked at yet.
     */
    private static Request presenceChanged() {
        return Request.cmd(Command.ZADD).arg(RedisKeys.PRESENCE_DIRTY).arg("NX");
    }

    /** Re-writes and re-arms the given routes (also restores them after Redis lost its data). */
    public Uni<Void> renew(List<Route> routes, List<Long> users) {
        if (routes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Request> batch = new ArrayList<>(routes.size() * 2 + 2);
        Request members = Request.cmd(Command.SADD).arg(routesKey);
        for (int i = 0; i < routes.size(); i++) {
            batch.add(Request.cmd(Command.HSET).arg(RedisKeys.route(users.get(i))).arg(routes.get(i).deviceType())
                    .arg(routes.get(i).encode()));
            batch.add(Request.cmd(Command.EXPIRE).arg(RedisKeys.route(users.get(i))).arg(TTL_SECONDS));
            members.arg(routes.get(i).member(users.get(i)));
        }
        batch.add(members);
        batch.add(Request.cmd(Command.SADD).arg(RedisKeys.PRESENCE_GATEWAYS).arg(incarnation));
        return pipeline.batch(batch).replaceWithVoid();
    }
}
