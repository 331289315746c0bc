package dev.tinyim.shared.db;

import dev.tinyim.shared.RedisKeys;
import io.quarkus.reactive.mysql.client.MySQLPoolCreator;
import io.vertx.core.Future;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mysqlclient.MySQLBuilder;
import io.vertx.mysqlclient.MySQLConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnectOptions;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The primary's pool that follows a failover without a restart: every new connection asks Redis where the
 * primary is now ({@link RedisKeys#DB_PRIMARY}, written by {@code ./tinyim failover}) and goes to the configured
 * address while the key was never set. Connections to a primary that died fail and leave the pool, so after a
 * failover the pool fills with connections to the promoted replica. A key that disappears (Redis restarted empty)
 * does not send connections back: the last address seen is kept. Not a bean (the gateway has no database): each
 * service's {@link MySQLPoolCreator} calls {@link #pool}.
 */
public final class FollowPrimary {
    private static final Logger LOG = Logger.getLogger(FollowPrimary.class);
    private static final Duration LOOKUP_TIMEOUT = Duration.ofMillis(500);
    private static final Duration ACQUIRE_TIMEOUT = Duration.ofSeconds(3);

    private FollowPrimary() {
    }

    /** The default datasource's pool as configured, each option first adjusted by {@code customise}. */
    public static Pool pool(MySQLPoolCreator.Input input, Redis redis, Consumer<MySQLConnectOptions> customise) {
        MySQLConnectOptions configured = input.mySQLConnectOptionsList().get(0);
        customise.accept(configured);
        AtomicReference<String> moved = new AtomicReference<>();
        // a request waits at most this long for a connection: a waiter whose connection attempt went to the lost
        // primary otherwise waited the client's default 30 s, holding a send transaction (and every send queued
        // behind it) after the failover had already happened
        input.poolOptions().setConnectionTimeout((int) ACQUIRE_TIMEOUT.toMillis()).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
        return MySQLBuilder.pool().with(input.poolOptions()).using(input.vertx())
                .connectingTo(() -> Future.fromCompletionStage(redis.send(Request.cmd(Command.GET).arg(RedisKeys.DB_PRIMARY))
                        .ifNoItem().after(LOOKUP_TIMEOUT).fail()
                        .map(reply -> reply == null ? null : reply.toString())
                        .onFailure().recoverWithItem((String) null)
                        .map(address -> {
                            if (address != null && !address.equals(moved.getAndSet(address))) {
                                LOG.warnf("the primary database is now %s (was %s:%d as configured)", address,
                                        configured.getHost(), configured.getPort());
                            }
                            return options(configured, moved.get());
                        })
                        .subscribeAsCompletionStage()))
                .build();
    }

    private static SqlConnectOptions options(MySQLConnectOptions configured, String address) {
        if (address == null || address.lastIndexOf(':') < 1) {
            return configured;
        }
        int colon = address.lastIndexOf(':');
        return new MySQLConnectOptions(configured).setHost(address.substring(0, colon))
                .setPort(Integer.parseInt(address.substring(colon + 1)));
    }
}
