package dev.tinyim.auth.limit;

import dev.tinyim.auth.AuthConfig;
import dev.tinyim.auth.account.Credentials;
import dev.tinyim.shared.error.ErrorCode;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import dev.tinyim.shared.redis.RedisPipeline;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;

/**
 * Brute-force brakes on login, as Redis counters of failures within a window:
 * per username (any address), and per client address. An address past its limit is still let through for
 * usernames that registered or logged in from it before, so a flood from one address does not lock out the
 * real users who share it.
 */
@ApplicationScoped
public class LoginLimiter {
    private static final Duration TRUST_TTL = Duration.ofDays(30);

    private final Redis redis;
    private final RedisPipeline pipeline;
    private final AuthConfig config;

    public LoginLimiter(Redis redis, RedisPipeline pipeline, AuthConfig config) {
        this.redis = redis;
        this.pipeline = pipeline;
        this.config = config;
    }

    private static String userKey(String username) {
        return "tinyim:auth:fail:user:" + Credentials.usernameKey(username);
    }

    private static String addressKey(String address) {
        return "tinyim:auth:fail:addr:" + address;
    }

    private static String trustKey(String address, String username) {
        return "tinyim:auth:trust:" + address + ":" + Credentials.usernameKey(username);
    }

    /** Fails with rate_limited when this attempt must not even be checked. */
    public Uni<Void> check(String username, String address) {
        return pipeline.batch(List.of(
                        Request.cmd(Command.GET).arg(userKey(username)),
                        Request.cmd(Command.GET).arg(addressKey(address)),
                        Request.cmd(Command.EXISTS).arg(trustKey(address, username))))
                .map(replies -> {
                    if (count(replies.get(0)) >= config.maxFailuresPerUser()) {
                        throw ErrorCode.RATE_LIMITED.exception("too many failed logins for this user; try again later");
                    }
                    boolean trusted = replies.get(2) != null && replies.get(2).toInteger() > 0;
                    if (!trusted && count(replies.get(1)) >= config.maxFailuresPerAddress()) {
                        throw ErrorCode.RATE_LIMITED.exception("too many failed logins from this address; try again later");
                    }
                    return null;
                })
                .replaceWithVoid();
    }

    public Uni<Void> recordFailure(String username, String address) {
        long window = config.failureWindow().toSeconds();
        return pipeline.batch(List.of(
                        Request.cmd(Command.INCR).arg(userKey(username)),
                        Request.cmd(Command.EXPIRE).arg(userKey(username)).arg(window).arg("NX"),
                        Request.cmd(Command.INCR).arg(addressKey(address)),
                        Request.cmd(Command.EXPIRE).arg(addressKey(address)).arg(window).arg("NX")))
                .replaceWithVoid();
    }

    public Uni<Void> trust(String username, String address) {
        return redis.send(Request.cmd(Command.SET).arg(trustKey(address, username)).arg("1")
                        .arg("EX").arg(TRUST_TTL.toSeconds()))
                .replaceWithVoid();
    }

    private static long count(Response reply) {
        return reply == null ? 0 : reply.toLong();
    }
}
