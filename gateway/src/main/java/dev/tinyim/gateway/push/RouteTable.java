package dev.tinyim.gateway.push;

import dev.tinyim.shared.RedisKeys;
import dev.tinyim.shared.push.Route;
import dev.tinyim.shared.registry.SelfRegistration;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import dev.tinyim.shared.redis.RedisPipeline;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
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

    private final Redis redis;
    private final RedisPipeline pipeline;
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
     * records {@code closedAt} as the user's last-seen time.
     */
    public Uni<Void> remove(long userId, Route route, long closedAt) {
        return pipeline.batch(List.of(
                        Request.cmd(Command.EVAL).arg(DELETE_IF_MINE).arg(1).arg(RedisKeys.route(userId))
                                .arg(route.deviceType()).arg(route.encode()),
                        Request.cmd(Command.SREM).arg(routesKey).arg(route.member(userId)),
                        Request.cmd(Command.HSET).arg(RedisKeys.PRESENCE_LAST_SEEN).arg(userId).arg(closedAt),
                        changed(userId, closedAt)))
                .replaceWithVoid();
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
                        changed(userId, System.currentTimeMillis())))
                .replaceWithVoid();
    }

    /** The presence signal: NX keeps the time of the first change relation has not looked at yet. */
    private static Request changed(long userId, long at) {
        return Request.cmd(Command.ZADD).arg(RedisKeys.PRESENCE_DIRTY).arg("NX").arg(at).arg(userId);
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
