package dev.tinyim.gateway.push;

import dev.tinyim.gateway.GatewayConfig;
import dev.tinyim.gateway.profile.ProfileCopies;
import dev.tinyim.gateway.connection.ClientConnection;
import dev.tinyim.gateway.connection.Connections;
import dev.tinyim.gateway.admission.LoadShedder;
import dev.tinyim.shared.RedisKeys;
import dev.tinyim.shared.RedisReplies;
import dev.tinyim.shared.push.PushBus;
import dev.tinyim.shared.registry.SelfRegistration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Consumes this gateway's push stream through a consumer group (XREADGROUP with NOACK) and writes each frame
 * to the connection it names. A kick is written, then the connection is closed with 4001. An entry that names
 * changed profiles ({@code PushBus.profilesChanged}) is for the gateway itself: it forgets its copies of them.
 */
@ApplicationScoped
public class PushConsumer {
    private static final Logger LOG = Logger.getLogger(PushConsumer.class);
    private static final String GROUP = "gateway";

    private final Redis redis;
    private final Connections connections;
    private final SelfRegistration self;
    private final GatewayConfig config;
    private final Timer latency;
    private final LoadShedder shedder;
    private final ProfileCopies profiles;
    private volatile boolean running = true;
    private volatile boolean groupCreated;

    public PushConsumer(Redis redis, Connections connections, SelfRegistration self, GatewayConfig config, MeterRegistry metrics,
                        LoadShedder shedder, ProfileCopies profiles) {
        this.shedder = shedder;
        this.profiles = profiles;
        this.redis = redis;
        this.connections = connections;
        this.self = self;
        this.config = config;
        this.latency = Timer.builder("tinyim.gateway.push.latency").description("publish to socket write")
                .publishPercentiles(0.5, 0.99).register(metrics);
    }

    private String stream() {
        return RedisKeys.pushStream(self.self().id());
    }

    void onStart(@Observes StartupEvent event) {
        // what was queued for a previous run of this gateway id is for connections that no longer exist
        redis.send(Request.cmd(Command.DEL).arg(stream()))
                .onFailure().recoverWithNull()
                .chain(this::ensureGroup)
                .subscribe().with(ok -> poll(), e -> poll());
    }

    void onStop(@Observes ShutdownEvent event) {
        running = false;
    }

    /**
     * Creates the consumer group (at start, and when a read finds it missing). Once it existed, its disappearance
     * means Redis lost its data (restarted empty): the routes of this gateway's connections are gone too, so they
     * are written again at once rather than at the next renewal.
     */
    private Uni<Void> ensureGroup() {
        return redis.send(Request.cmd(Command.XGROUP).arg("CREATE").arg(stream()).arg(GROUP).arg("$").arg("MKSTREAM"))
                .invoke(created -> {
                    if (groupCreated) {
                        LOG.warn("push stream and group were gone (Redis restarted empty?): writing routes again");
                        connections.renewRoutes();
                        profiles.forgetAll(); // notices of changed profiles may have been lost with the stream
                    }
                    groupCreated = true;
                })
                .onFailure(e -> RedisReplies.isError(e, "BUSYGROUP")).recoverWithNull()
                .replaceWithVoid();
    }

    private void poll() {
        if (!running) {
            return;
        }
        // NOACK: an entry is done once read; re-delivering it after a crash would be pointless, as the
        // connections it was for died with the process (and it saves an XACK round trip per read)
        redis.send(Request.cmd(Command.XREADGROUP).arg("GROUP").arg(GROUP).arg(self.self().id())
                        .arg("COUNT").arg(500).arg("BLOCK").arg(2000).arg("NOACK").arg("STREAMS").arg(stream()).arg(">"))
                .chain(this::deliver)
                .subscribe().with(
                        ok -> poll(),
                        failure -> {
                            if (!running) {
                                return;
                            }
                            if (RedisReplies.isError(failure, "NOGROUP")) {
                                ensureGroup().subscribe().with(ok -> poll(), e -> retryLater(e));
                            } else {
                                retryLater(failure);
                            }
                        });
    }

    private void retryLater(Throwable failure) {
        LOG.warnf("push stream read failed (%s); retrying", failure.getMessage());
        Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(500)).subscribe().with(ok -> poll());
    }

    private Uni<Void> deliver(Response reply) {
        if (reply == null || reply.size() == 0) {
            return Uni.createFrom().voidItem();
        }
        for (Response entry : entries(reply)) {
            Map<String, String> fields = RedisReplies.asMap(entry.get(1));
            String changedProfiles = fields.get(PushBus.FIELD_PROFILES_CHANGED);
            if (changedProfiles != null) {
                profiles.forget(ids(changedProfiles));
                continue;
            }
            ClientConnection c = connections.find(fields.getOrDefault(PushBus.FIELD_CONNECTION, ""));
            if (c == null || !String.valueOf(c.userId()).equals(fields.get(PushBus.FIELD_USER))) {
                continue;
            }
            String frame = fields.get(PushBus.FIELD_FRAME);
            String kick = fields.get(PushBus.FIELD_KICK);
            if (kick != null) {
                c.sendAndClose(frame, 4001, kick).subscribe().with(ok -> { }, e -> { });
            } else {
                c.send(frame, config.sendQueueLimit());
            }
            String publishedAt = fields.get(PushBus.FIELD_PUBLISHED_AT);
            if (publishedAt != null) {
                long age = Math.max(0, System.currentTimeMillis() - Long.parseLong(publishedAt));
                latency.record(age, TimeUnit.MILLISECONDS);
                shedder.pushRead(age);
            }
        }
        return Uni.createFrom().voidItem();
    }

    private static List<Long> ids(String commaSeparated) {
        List<Long> ids = new ArrayList<>();
        for (String id : commaSeparated.split(",")) {
            try {
                ids.add(Long.parseLong(id));
            } catch (NumberFormatException e) {
                LOG.warnf("ignored a profile change for '%s': not a user id", id);
            }
        }
        return ids;
    }

    /** The entries of an XREADGROUP reply for our single stream, in RESP2 or RESP3 shape. */
    private List<Response> entries(Response reply) {
        Response streamEntries;
        try {
            streamEntries = reply.get(stream());
        } catch (RuntimeException notAMap) {
            streamEntries = null;
        }
        if (streamEntries == null) {
            streamEntries = reply.get(0).get(1);
        }
        List<Response> list = new ArrayList<>();
        for (Response e : streamEntries) {
            list.add(e);
        }
        return list;
    }
}
