package dev.tinyim.auth;

import dev.tinyim.shared.db.FollowPrimary;
import io.quarkus.reactive.mysql.client.MySQLPoolCreator;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.sqlclient.Pool;
import jakarta.inject.Singleton;

/** The primary's pool as configured, following a failover without a restart ({@link FollowPrimary}). */
@Singleton
public class PrimaryPool implements MySQLPoolCreator {
    private final Redis redis;

    public PrimaryPool(Redis redis) {
        this.redis = redis;
    }

    @Override
    public Pool create(Input input) {
        return FollowPrimary.pool(input, redis, options -> { });
    }
}
