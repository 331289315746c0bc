package dev.tinyim.shared.db;

import io.quarkus.reactive.mysql.client.MySQLPoolCreator;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The primary's pool of auth, relation and chat, as configured, following a failover without a restart
 * ({@link FollowPrimary}), with one change: prepared statements up to {@code tinyim.db.prepared-statement-cache.sql-limit}
 * characters are cached. The client's default (2,048) left every group send's multi-row statements (about 10 KB
 * for 500 members) uncached, so each was prepared, executed and closed again: three round trips and a full parse
 * per statement. (The gateway has no database: its configuration excludes this bean.)
 */
@Singleton
public class PrimaryPool implements MySQLPoolCreator {
    private final int sqlLimit;
    private final Redis redis;

    public PrimaryPool(@ConfigProperty(name = "tinyim.db.prepared-statement-cache.sql-limit", defaultValue = "65536") int sqlLimit,
                       Redis redis) {
        this.sqlLimit = sqlLimit;
        this.redis = redis;
    }

    @Override
    public Pool create(Input input) {
        return FollowPrimary.pool(input, redis, options -> options.setPreparedStatementCacheSqlLimit(sqlLimit));
    }
}
