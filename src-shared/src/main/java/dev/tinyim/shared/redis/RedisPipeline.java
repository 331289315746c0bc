package dev.tinyim.shared.redis;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import io.vertx.redis.client.impl.RequestImpl;
import io.vertx.redis.client.impl.ZModem;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several Redis commands in one round trip, on a single Redis as on a Redis Cluster
 * ({@code quarkus.redis.client-type=cluster}). A cluster refuses a pipeline whose keys lie in different hash slots
 * (CROSSSLOT), so there the commands are grouped by the slot of their keys: each group is one pipeline to the node
 * that holds it, in the order given (an EXPIRE still follows its HSET), and the groups run at once. Like a single
 * node's pipeline this is not a transaction; no TinyIM command needs one across keys.
 */
@ApplicationScoped
public class RedisPipeline {
    private final Redis redis;
    private final boolean cluster;

    public RedisPipeline(Redis redis, @ConfigProperty(name = "quarkus.redis.client-type", defaultValue = "standalone") String clientType) {
        this.redis = redis;
        this.cluster = clientType.equalsIgnoreCase("cluster");
    }

    /** The replies in the order of the requests. */
    public Uni<List<Response>> batch(List<Request> requests) {
        if (requests.isEmpty()) {
            return Uni.createFrom().item(List.of()); // a cluster connection refuses an empty batch
        }
        if (!cluster || requests.size() < 2) {
            return redis.batch(requests);
        }
        Map<Integer, List<Integer>> bySlot = new LinkedHashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            bySlot.computeIfAbsent(slot(requests.get(i)), s -> new ArrayList<>()).add(i);
        }
        if (bySlot.size() == 1) {
            return redis.batch(requests);
        }
        Response[] replies = new Response[requests.size()];
        List<Uni<Void>> groups = new ArrayList<>(bySlot.size());
        for (List<Integer> indexes : bySlot.values()) {
            List<Request> group = new ArrayList<>(indexes.size());
            indexes.forEach(i -> group.add(requests.get(i)));
            groups.add(redis.batch(group).invoke(answers -> {
                for (int k = 0; k < indexes.size(); k++) {
                    replies[indexes.get(k)] = answers.get(k);
                }
            }).replaceWithVoid());
        }
        return Uni.join().all(groups).andFailFast().map(done -> Arrays.asList(replies));
    }

    /** The hash slot of a request's keys (its first key; -1 for none, which any node answers). */
    static int slot(Request request) {
        List<byte[]> keys = ((RequestImpl) request.getDelegate()).keys();
        return keys.isEmpty() ? -1 : ZModem.generate(keys.get(0));
    }
}
