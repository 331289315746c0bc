package dev.tinyim.shared.push;

import dev.tinyim.shared.RedisKeys;
import dev.tinyim.shared.RedisReplies;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Publishes frames to users' live connections: looks the users up in the routing table and appends one entry
 * per connection to the Redis stream of the gateway that holds it. Users without a route are offline: their
 * frames are dropped here, and sync delivers what they missed.
 */
@ApplicationScoped
public class PushBus {
    public static final String FIELD_USER = "u";
    public static final String FIELD_CONNECTION = "c";
    public static final String FIELD_FRAME = "f";
    public static final String FIELD_KICK = "k";
    public static final String FIELD_PUBLISHED_AT = "t";

    private final Redis redis;
    private final long maxLen;

    public PushBus(Redis redis, @ConfigProperty(name = "tinyim.push.stream-max-len", defaultValue = "100000") long maxLen) {
        this.redis = redis;
        this.maxLen = maxLen;
    }

    public Uni<Void> publish(Push push) {
        return publish(List.of(push));
    }

    public Uni<Void> publish(List<Push> pushes) {
        if (pushes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Set<Long> users = new LinkedHashSet<>();
        pushes.forEach(p -> users.add(p.userId()));
        List<Long> userList = List.copyOf(users);
        List<Request> lookups = new ArrayList<>(userList.size());
        for (long user : userList) {
            lookups.add(Request.cmd(Command.HGETALL).arg(RedisKeys.route(user)));
        }
        return redis.batch(lookups).chain(routeTables -> {
            java.util.Map<Long, List<Route>> routes = new java.util.HashMap<>();
            for (int i = 0; i < userList.size(); i++) {
                routes.put(userList.get(i), decode(routeTables.get(i)));
            }
            String now = Long.toString(System.currentTimeMillis());
            List<Request> appends = new ArrayList<>();
            for (Push push : pushes) {
                for (Route route : routes.getOrDefault(push.userId(), List.of())) {
                    if (push.accepts(route)) {
                        appends.add(append(push, route, now));
                    }
                }
            }
            return appends.isEmpty() ? Uni.createFrom().voidItem() : redis.batch(appends).replaceWithVoid();
        });
    }

    private Request append(Push push, Route route, String now) {
        Request xadd = Request.cmd(Command.XADD).arg(RedisKeys.pushStream(route.gatewayId()))
                .arg("MAXLEN").arg("~").arg(maxLen).arg("*")
                .arg(FIELD_USER).arg(push.userId())
                .arg(FIELD_CONNECTION).arg(route.connectionId())
                .arg(FIELD_FRAME).arg(push.frame())
                .arg(FIELD_PUBLISHED_AT).arg(now);
        if (push.kickReason() != null) {
            xadd.arg(FIELD_KICK).arg(push.kickReason());
        }
        return xadd;
    }

    private static List<Route> decode(Response table) {
        List<Route> result = new ArrayList<>();
        RedisReplies.asMap(table).forEach((device, value) -> result.add(Route.decode(device, value)));
        return result;
    }
}
