package dev.tinyim.shared.registry;

import dev.tinyim.shared.RedisKeys;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import dev.tinyim.shared.redis.RedisPipeline;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads and writes the service registry in Redis: a sorted set of instance ids scored by the time their
 * registration lapses, beside a hash of their descriptions. An instance that stops renewing disappears.
 */
@ApplicationScoped
public class ServiceDirectory {
    private final Redis redis;
    private final RedisPipeline pipeline;

    public ServiceDirectory(Redis redis, RedisPipeline pipeline) {
        this.redis = redis;
        this.pipeline = pipeline;
    }

    public Uni<Void> put(Instance instance, long ttlMillis) {
        long expiresAt = System.currentTimeMillis() + ttlMillis;
        return pipeline.batch(List.of(
                        Request.cmd(Command.HSET).arg(RedisKeys.registryInfo(instance.service()))
                                .arg(instance.id()).arg(instance.toJson().encode()),
                        Request.cmd(Command.ZADD).arg(RedisKeys.registry(instance.service()))
                                .arg(expiresAt).arg(instance.id())))
                .replaceWithVoid();
    }

    public Uni<Void> remove(String service, String instanceId) {
        return pipeline.batch(List.of(
                        Request.cmd(Command.ZREM).arg(RedisKeys.registry(service)).arg(instanceId),
                        Request.cmd(Command.HDEL).arg(RedisKeys.registryInfo(service)).arg(instanceId)))
                .replaceWithVoid();
    }

    /** Live instances of a service, ordered by id so that every reader sees the same order. */
    public Uni<List<Instance>> live(String service) {
        return registeredAfter(service, System.currentTimeMillis());
    }

    /**
     * Instances that renewed their registration within {@code withinMillis} (their expiry is then at least
     * ttl - within ahead): a crashed instance drops out after a few missed renewals, not at the end of its TTL.
     */
    public Uni<List<Instance>> renewedWithin(String service, long ttlMillis, long withinMillis) {
        return registeredAfter(service, System.currentTimeMillis() + ttlMillis - withinMillis);
    }

    private Uni<List<Instance>> registeredAfter(String service, long minExpiry) {
        return redis.send(Request.cmd(Command.ZRANGEBYSCORE).arg(RedisKeys.registry(service)).arg(minExpiry).arg("+inf"))
                .chain(ids -> {
                    if (ids == null || ids.size() == 0) {
                        return Uni.createFrom().item(List.<Instance>of());
                    }
                    Request hmget = Request.cmd(Command.HMGET).arg(RedisKeys.registryInfo(service));
                    for (Response id : ids) {
                        hmget.arg(id.toString());
                    }
                    return redis.send(hmget).map(ServiceDirectory::parse);
                });
    }

    /** Removes registrations that lapsed long ago, so the set does not grow with every restart. */
    public Uni<Void> prune(String service, long olderThanMillis) {
        long cutoff = System.currentTimeMillis() - olderThanMillis;
        return redis.send(Request.cmd(Command.ZRANGEBYSCORE).arg(RedisKeys.registry(service)).arg("-inf").arg(cutoff))
                .chain(ids -> {
                    if (ids == null || ids.size() == 0) {
                        return Uni.createFrom().voidItem();
                    }
                    List<Request> batch = new ArrayList<>();
                    for (Response id : ids) {
                        batch.add(Request.cmd(Command.ZREM).arg(RedisKeys.registry(service)).arg(id.toString()));
                        batch.add(Request.cmd(Command.HDEL).arg(RedisKeys.registryInfo(service)).arg(id.toString()));
                    }
                    return pipeline.batch(batch).replaceWithVoid();
                });
    }

    private static List<Instance> parse(Response infos) {
        List<Instance> result = new ArrayList<>();
        for (Response info : infos) {
            if (info != null) {
                result.add(Instance.fromJson(info.toString()));
            }
        }
        result.sort(Comparator.comparing(Instance::id));
        return result;
    }
}
