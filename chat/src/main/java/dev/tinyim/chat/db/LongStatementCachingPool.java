package dev.tinyim.chat.db;

import dev.tinyim.shared.db.FollowPrimary;
import io.quarkus.reactive.mysql.client.MySQLPoolCreator;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The primary's pool as configured, following a failover ({@link FollowPrimary}), with one change: prepared
 * statements up to {@code sql-limit} characters are cached. The client's default (2,048) left every group send's
 * multi-row statements (about 10 KB for 500 members) uncached, so each was prepared, executed and closed again:
 * three round trips and a full parse per statement.
 */
@Singleton
public class LongStatementCachingPool implements MySQLPoolCreator {
    private final int sqlLimit;
    private final Redis redis;

    public LongStatementCachingPool(@ConfigProperty(name = "tinyim.db.prepared-statement-cache.sql-limit", defaultValue = "65536") int sqlLimit,
                                    Redis redis) {
        this.sqlLimit = sqlLimit;
        this.redis = redis;
    }

    @Override
    public Pool create(Input input) {
        return FollowPrimary.pool(input, redis, options -> options.setPreparedStatementCacheSqlLimit(sqlLimit));
    }
}
