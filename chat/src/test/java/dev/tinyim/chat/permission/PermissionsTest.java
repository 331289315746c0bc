package dev.tinyim.chat.permission;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/** Remembered friendships: refreshed in the background before they lapse, and forgotten when relation says so. */
class PermissionsTest {
    private static final long TTL_MS = 4000;
    private final Vertx vertx = Vertx.vertx();
    private final AtomicInteger lookups = new AtomicInteger();
    private volatile RelationClient.Relationship answer = new RelationClient.Relationship(true, true, false);
    private final RelationClient relation = new RelationClient(null, new SimpleMeterRegistry()) {
        @Override
        Uni<Relationship> relationship(long userId, long otherId) {
            lookups.incrementAndGet();
            return Uni.createFrom().item(answer);
        }
    };
    private final Permissions permissions = new Permissions(relation, TTL_MS, 1000, 300, new SimpleMeterRegistry(), vertx);

    @AfterEach
    void stop() {
        vertx.close();
    }

    private Permissions.Direct direct() {
        return permissions.direct(1, 2).await().atMost(Duration.ofSeconds(5));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long until = System.currentTimeMillis() + 5000;
        while (!condition.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < until, "timed out waiting: " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void aFriendshipUsedNearItsEndIsRefreshedWhileItStillAllowsSends() throws InterruptedException {
        assertEquals(Permissions.Direct.ALLOWED, direct());
        assertEquals(1, lookups.get());
        assertEquals(Permissions.Direct.ALLOWED, direct());
        assertEquals(1, lookups.get(), "remembered");
        Thread.sleep(TTL_MS * 3 / 4 + 100); // into the last quarter
        assertEquals(Permissions.Direct.ALLOWED, direct());
        assertEquals(1, lookups.get(), "allowed at once; the refresh waits to be gathered with others");
        await(() -> lookups.get() == 2 && !permissions.refreshing(), "the background refresh, its answer applied");
        Thread.sleep(TTL_MS / 4 + 100); // past the first lookup's time
        assertEquals(Permissions.Direct.ALLOWED, direct());
        assertEquals(2, lookups.get(), "the refresh renewed it: no lookup on the send path");
    }

    @Test
    void aRefreshThatFindsTheFriendshipGoneForgetsIt() throws InterruptedException {
        assertEquals(Permissions.Direct.ALLOWED, direct());
        Thread.sleep(TTL_MS * 3 / 4 + 100);
        answer = new RelationClient.Relationship(true, false, false); // removed, and the forget never arrived
        assertEquals(Permissions.Direct.ALLOWED, direct(), "still within its time");
        // its lookup counted is not enough: the answer is applied a moment later, on the event loop
        await(() -> lookups.get() == 2 && !permissions.refreshing(), "the background refresh, its answer applied");
        assertEquals(Permissions.Direct.NOT_FRIENDS, direct(), "forgotten by the refresh, asked again");
        assertEquals(3, lookups.get());
    }

    @Test
    void aForgetEndsItAtOnce() {
        assertEquals(Permissions.Direct.ALLOWED, direct());
        answer = new RelationClient.Relationship(true, true, true);
        permissions.forget(List.<long[]>of(new long[] {2, 1}), List.of());
        assertEquals(Permissions.Direct.BLOCKED, direct());
        assertEquals(2, lookups.get());
    }
}
