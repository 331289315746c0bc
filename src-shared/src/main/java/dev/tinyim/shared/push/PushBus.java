package dev.tinyim.shared.push;

import dev.tinyim.shared.RedisKeys;
import dev.tinyim.shared.RedisReplies;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import dev.tinyim.shared.redis.RedisPipeline;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Publishes frames to users' live connections: looks the users up in the routing table and appends one entry
 * per connection to the Redis stream of the gateway that holds it. Users without a route are offline: their
 * frames are dropped here, and sync delivers what they missed.
 */
@ApplicationScoped
public class PushBus {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(PushBus.class);
    public static final String FIELD_USER = "u";
    public static final String FIELD_CONNECTION = "c";
    public static final String FIELD_FRAME = "f";
    public static final String FIELD_KICK = "k";
    public static final String FIELD_PUBLISHED_AT = "t";
    /** An entry for the gateway itself, not for a connection: these users' profiles changed (comma-separated ids). */
    public static final String FIELD_PROFILES_CHANGED = "p";

    private final Redis redis;
    private final RedisPipeline pipeline;
    private final long maxLen;
    private final java.time.Duration deadline;

    public PushBus(Redis redis, RedisPipeline pipeline, @ConfigProperty(name = "tinyim.push.stream-max-len", defaultValue = "100000") long maxLen,
                   @ConfigProperty(name = "tinyim.push.deadline", defaultValue = "2s") java.time.Duration deadline) {
        this.redis = redis;
        this.pipeline = pipeline;
        this.maxLen = maxLen;
        this.deadline = deadline;
    }

    public Uni<Void> publish(Push push) {
        return publish(List.of(push));
    }

    /**
     * A push that is a hint (PROTOCOL.md 6): what it announces is already stored, so one that cannot be published
     * is logged ({@code what} names it) and the caller goes on as if it had been.
     */
    public Uni<Void> hint(Push push, String what) {
        return publish(push)
                .onFailure().invoke(e -> LOG.warnf("%s not pushed: %s", what, e.getMessage()))
                .onFailure().recoverWithNull();
    }

    public Uni<Void> publish(List<Push> pushes) {
        Map<Long, List<Push>> byUser = new LinkedHashMap<>();
        pushes.forEach(p -> byUser.computeIfAbsent(p.userId(), u -> new ArrayList<>(1)).add(p));
        return publish(byUser.keySet(), byUser::get);
    }

    /**
     * Looks the users up in the routing table and asks {@code pushesFor} for the frames of those with a live
     * connection only: a group message's frames are built for its online members, not for all of them. Fails
     * after {@code tinyim.push.deadline} (2 s) when Redis does not answer: a push is a hint, and a caller that
     * waits for it (a notice after a stored change) must not wait on a hung Redis.
     */
    public Uni<Void> publish(Collection<Long> users, Function<Long, List<Push>> pushesFor) {
        if (users.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Long> userList = List.copyOf(users);
        List<Request> lookups = new ArrayList<>(userList.size());
        for (long user : userList) {
            lookups.add(Request.cmd(Command.HGETALL).arg(RedisKeys.route(user)));
        }
        return pipeline.batch(lookups).chain(routeTables -> {
            String now = Long.toString(System.currentTimeMillis());
            List<Request> appends = new ArrayList<>();
            for (int i = 0; i < userList.size(); i++) {
                List<Route> routes = decode(routeTables.get(i));
                if (routes.isEmpty()) {
                    continue;
                }
                for (Push push : pushesFor.apply(userList.get(i))) {
                    for (Route route : routes) {
                        if (push.accepts(route)) {
                            appends.add(append(push, route, now));
                        }
                    }
                }
            }
            return appends.isEmpty() ? Uni.createFrom().voidItem() : pipeline.batch(appends).replaceWithVoid();
        }).ifNoItem().after(deadline).failWith(() -> new java.util.concurrent.TimeoutException(
                "push: Redis did not answer within " + deadline.toMillis() + " ms"));
    }

    /**
     * Tells these gateways that the users' profiles changed, through their push streams (read in order with the
     * frames, and kept while a gateway is briefly away from Redis): each forgets the copies it kept for
     * {@code user.get}. Completes once every stream has the entry.
     */
    public Uni<Void> profilesChanged(Collection<String> gatewayIds, Collection<Long> userIds) {
        if (gatewayIds.isEmpty() || userIds.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String ids = String.join(",", userIds.stream().map(String::valueOf).toList());
        List<Request> appends = new ArrayList<>(gatewayIds.size());
        for (String gateway : gatewayIds) {
            appends.add(Request.cmd(Command.XADD).arg(RedisKeys.pushStream(gateway))
                    .arg("MAXLEN").arg("~").arg(maxLen).arg("*").arg(FIELD_PROFILES_CHANGED).arg(ids));
        }
        return pipeline.batch(appends).replaceWithVoid()
                .ifNoItem().after(deadline).failWith(() -> new java.util.concurrent.TimeoutException(
                        "push: Redis did not answer within " + deadline.toMillis() + " ms"));
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
