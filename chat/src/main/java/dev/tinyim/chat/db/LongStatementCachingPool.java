package dev.tinyim.chat.db;

import io.quarkus.reactive.mysql.client.MySQLPoolCreator;
import io.vertx.mysqlclient.MySQLBuilder;
import io.vertx.mysqlclient.MySQLConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnectOptions;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.List;

/**
 * The datasource as configured, with one change: prepared statements up to {@code sql-limit} characters are cached.
 * The client's default (2,048) left every group send's multi-row statements (about 10 KB for 500 members)
 * uncached, so each was prepared, executed and closed again: three round trips and a full parse per statement.
 */
@Singleton
public class LongStatementCachingPool implements MySQLPoolCreator {
    private final int sqlLimit;

    public LongStatementCachingPool(@ConfigProperty(name = "tinyim.db.prepared-statement-cache.sql-limit", defaultValue = "65536") int sqlLimit) {
        this.sqlLimit = sqlLimit;
    }

    @Override
    public Pool create(Input input) {
        for (MySQLConnectOptions options : input.mySQLConnectOptionsList()) {
            options.setPreparedStatementCacheSqlLimit(sqlLimit);
        }
        return MySQLBuilder.pool().with(input.poolOptions())
                .connectingTo(List.<SqlConnectOptions>copyOf(input.mySQLConnectOptionsList()))
                .using(input.vertx()).build();
    }
}
