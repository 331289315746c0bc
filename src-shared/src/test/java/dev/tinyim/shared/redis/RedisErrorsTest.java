package dev.tinyim.shared.redis;

import dev.tinyim.shared.RedisReplies;
import dev.tinyim.shared.testing.LocalInfrastructure;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Redis error replies recognised by their kind, as a real Redis sends them (the test stack's). */
class RedisErrorsTest {
    private static Vertx vertx;
    private static Redis redis;

    @BeforeAll
    static void connect() {
        vertx = Vertx.vertx();
        String hosts = new LocalInfrastructure().start().get("quarkus.redis.hosts");
        redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(hosts));
    }

    @AfterAll
    static void close() {
        redis.close();
        vertx.close();
    }

    private static Throwable failureOf(Request request) {
        ExecutionException failed = assertThrows(ExecutionException.class,
                () -> redis.send(request).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
        return failed.getCause();
    }

    @Test
    void errorRepliesAreKnownByTheirKind() throws Exception {
        String stream = "test:redis-errors:" + UUID.randomUUID();
        try {
            redis.send(Request.cmd(Command.XGROUP).arg("CREATE").arg(stream).arg("g").arg("$").arg("MKSTREAM"))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            Throwable again = failureOf(Request.cmd(Command.XGROUP).arg("CREATE").arg(stream).arg("g").arg("$").arg("MKSTREAM"));
            assertTrue(RedisReplies.isError(again, "BUSYGROUP"), again.toString());
            assertFalse(RedisReplies.isError(again, "NOGROUP"), again.toString());

            Throwable noGroup = failureOf(Request.cmd(Command.XREADGROUP).arg("GROUP").arg("missing").arg("c")
                    .arg("COUNT").arg(1).arg("STREAMS").arg(stream).arg(">"));
            assertTrue(RedisReplies.isError(noGroup, "NOGROUP"), noGroup.toString());
            assertFalse(RedisReplies.isError(noGroup, "BUSYGROUP"), noGroup.toString());
        } finally {
            redis.send(Request.cmd(Command.DEL).arg(stream)).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void wordsInAnotherFailuresTextAreNotARedisError() {
        assertFalse(RedisReplies.isError(new IllegalStateException("BUSYGROUP Consumer Group name already exists"), "BUSYGROUP"));
        assertFalse(RedisReplies.isError(null, "BUSYGROUP"));
    }
}
