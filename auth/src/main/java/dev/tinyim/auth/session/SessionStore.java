package dev.tinyim.auth.session;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Optional;

/**
 * The one current session per (user, device type): durable in the sessions table, cached in Redis.
 * Replacing a row is how a new login supersedes the old session.
 */
@ApplicationScoped
public class SessionStore {
    private static final String REVOKED = "-";

    private final Pool primary;
    private final Redis redis;

    public SessionStore(Pool primary, Redis redis) {
        this.primary = primary;
        this.redis = redis;
    }

    static String cacheKey(long userId, String deviceType) {
        return "tinyim:auth:session:" + userId + ":" + deviceType;
    }

    /** Makes sessionId the current session; returns the live session it replaced, if any. */
    public Uni<Optional<String>> replace(long userId, String deviceType, String sessionId, long expiresAt) {
        long now = System.currentTimeMillis();
        return primary.withTransaction(tx -> tx.preparedQuery(
                                "SELECT session_id, revoked, expires_at FROM sessions WHERE user_id = ? AND device_type = ? FOR UPDATE")
                        .execute(Tuple.of(userId, deviceType))
                        .chain(rows -> {
                            Optional<String> previous = Optional.empty();
                            var it = rows.iterator();
                            if (it.hasNext()) {
                                Row row = it.next();
                                if (row.getInteger("revoked") == 0 && row.getLong("expires_at") > now) {
                                    previous = Optional.of(row.getString("session_id"));
                                }
                            }
                            Optional<String> replaced = previous;
                            return tx.preparedQuery("""
                                            INSERT INTO sessions (user_id, device_type, session_id, created_at, expires_at, revoked)
                                            VALUES (?, ?, ?, ?, ?, 0)
                                            ON DUPLICATE KEY UPDATE session_id = VALUES(session_id), created_at = VALUES(created_at),
                                              expires_at = VALUES(expires_at), revoked = 0""")
                                    .execute(Tuple.of(userId, deviceType, sessionId, now, expiresAt))
                                    .replaceWith(replaced);
                        }))
                .call(replaced -> cache(userId, deviceType, sessionId, expiresAt - now));
    }

    /** Revokes the session if it is the current one; true when it was. */
    public Uni<Boolean> revoke(long userId, String deviceType, String sessionId) {
        return primary.preparedQuery(
                        "UPDATE sessions SET revoked = 1 WHERE user_id = ? AND device_type = ? AND session_id = ? AND revoked = 0")
                .execute(Tuple.of(userId, deviceType, sessionId))
                .map(rows -> rows.rowCount() > 0)
                .call(revoked -> revoked ? cache(userId, deviceType, REVOKED, Duration.ofDays(1).toMillis())
                        : Uni.createFrom().voidItem());
    }

    public Uni<Boolean> isCurrent(long userId, String deviceType, String sessionId) {
        return redis.send(Request.cmd(Command.GET).arg(cacheKey(userId, deviceType)))
                .onFailure().recoverWithNull()
                .chain(cached -> cached != null
                        ? Uni.createFrom().item(sessionId.equals(cached.toString()))
                        : loadCurrent(userId, deviceType).map(sessionId::equals));
    }

    private Uni<String> loadCurrent(long userId, String deviceType) {
        long now = System.currentTimeMillis();
        return primary.preparedQuery("SELECT session_id, revoked, expires_at FROM sessions WHERE user_id = ? AND device_type = ?")
                .execute(Tuple.of(userId, deviceType))
                .chain(rows -> {
                    var it = rows.iterator();
                    if (!it.hasNext()) {
                        return Uni.createFrom().item(REVOKED);
                    }
                    Row row = it.next();
                    boolean live = row.getInteger("revoked") == 0 && row.getLong("expires_at") > now;
                    String current = live ? row.getString("session_id") : REVOKED;
                    long ttl = live ? row.getLong("expires_at") - now : Duration.ofHours(1).toMillis();
                    return cache(userId, deviceType, current, ttl).replaceWith(current);
                });
    }

    private Uni<Void> cache(long userId, String deviceType, String value, long ttlMillis) {
        return redis.send(Request.cmd(Command.SET).arg(cacheKey(userId, deviceType)).arg(value)
                        .arg("PX").arg(Math.max(1000, ttlMillis)))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
