package dev.tinyim.gateway.rest;

import dev.tinyim.shared.RedisKeys;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.registry.Instance;
import dev.tinyim.shared.registry.SelfRegistration;
import dev.tinyim.shared.registry.ServiceDirectory;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * GET /api/v1/dispatch: a live, non-draining gateway, round-robin over all of them. The counter lives in
 * Redis, so the rotation holds across calls to different gateways.
 */
@Path("/api/v1/dispatch")
public class DispatchResource {
    private final ServiceDirectory directory;
    private final Redis redis;
    private final SelfRegistration self;

    public DispatchResource(ServiceDirectory directory, Redis redis, SelfRegistration self) {
        this.directory = directory;
        this.redis = redis;
        this.self = self;
    }

    @GET
    public Uni<Response> dispatch() {
        // gateways that renewed within two renewal periods and a second: a crashed one stops being handed out
        // within about 7 s instead of at the end of its 15 s registration
        long within = 2 * self.renewEvery().toMillis() + 1000;
        return directory.renewedWithin("gateway", self.ttl().toMillis(), within)
                .map(all -> all.stream().filter(i -> !i.draining()).toList())
                .chain(live -> {
                    if (live.isEmpty()) {
                        return Uni.createFrom().item(ApiErrors.of(ErrorCode.UNAVAILABLE, "no gateway is available"));
                    }
                    return redis.send(Request.cmd(Command.INCR).arg(RedisKeys.DISPATCH_COUNTER))
                            .map(n -> pick(live, n.toLong()));
                })
                .onFailure().recoverWithItem(ApiErrors::of);
    }

    private static Response pick(List<Instance> live, long counter) {
        Instance chosen = live.get((int) Math.floorMod(counter, (long) live.size()));
        String url = chosen.publicUrl().isEmpty() ? "ws://" + chosen.host() + ":" + chosen.httpPort() + "/ws" : chosen.publicUrl();
        return ApiErrors.json(200, new JsonObject().put("gatewayId", chosen.id()).put("url", url));
    }
}
