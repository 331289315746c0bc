package dev.tinyim.gateway.push;

import dev.tinyim.shared.RedisKeys;
import dev.tinyim.shared.push.Route;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The routing table: user to device type to the (gateway, connection, session) holding it. Entries expire
 * unless the holding gateway renews them, so a crashed gateway's routes vanish by themselves.
 */
@ApplicationScoped
public class RouteTable {
    static final long TTL_SECONDS = 120;
    private static final String DELETE_IF_MINE =
            "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0";

    private final Redis redis;

    public RouteTable(Redis redis) {
        this.redis = redis;
    }

    public Uni<Optional<Route>> get(long userId, String deviceType) {
        return redis.send(Request.cmd(Command.HGET).arg(RedisKeys.route(userId)).arg(deviceType))
                .map(reply -> reply == null ? Optional.<Route>empty() : Optional.of(Route.decode(deviceType, reply.toString())));
    }

    public Uni<Void> put(long userId, Route route) {
        return redis.batch(List.of(
                        Request.cmd(Command.HSET).arg(RedisKeys.route(userId)).arg(route.deviceType()).arg(route.encode()),
                        Request.cmd(Command.EXPIRE).arg(RedisKeys.route(userId)).arg(TTL_SECONDS)))
                .replaceWithVoid();
    }

    /** Removes the entry only while it still names this connection (a newer one may have replaced it). */
    public Uni<Void> remove(long userId, Route route) {
        return redis.send(Request.cmd(Command.EVAL).arg(DELETE_IF_MINE).arg(1).arg(RedisKeys.route(userId))
                        .arg(route.deviceType()).arg(route.encode()))
                .replaceWithVoid();
    }

    /** Re-writes and re-arms the given routes (also restores them after Redis lost its data). */
    public Uni<Void> renew(List<Route> routes, List<Long> users) {
        List<Request> batch = new ArrayList<>(routes.size() * 2);
        for (int i = 0; i < routes.size(); i++) {
            batch.add(Request.cmd(Command.HSET).arg(RedisKeys.route(users.get(i))).arg(routes.get(i).deviceType())
                    .arg(routes.get(i).encode()));
            batch.add(Request.cmd(Command.EXPIRE).arg(RedisKeys.route(users.get(i))).arg(TTL_SECONDS));
        }
        return batch.isEmpty() ? Uni.createFrom().voidItem() : redis.batch(batch).replaceWithVoid();
    }
}
