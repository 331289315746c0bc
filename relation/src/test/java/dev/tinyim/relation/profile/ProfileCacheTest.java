package dev.tinyim.relation.profile;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** The profiles kept for user.get: what is kept, what a forget drops, and what is never kept. */
class ProfileCacheTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final ProfileCache cache = new ProfileCache(null, 60_000, 3, now::get, new SimpleMeterRegistry());

    private void read(Profile p) {
        cache.keep(p, cache.epoch());
    }

    @Test
    void aKeptProfileIsAnsweredUntilItsTtl() {
        Profile ann = new Profile(1, "ann", "Ann");
        assertNull(cache.get(1));
        read(ann);
        assertEquals(ann, cache.get(1));
        now.addAndGet(59_999);
        assertEquals(ann, cache.get(1));
        now.addAndGet(1);
        assertNull(cache.get(1), "lapsed after the ttl: read again");
    }

    @Test
    void aForgottenProfileIsReadAgain() {
        read(new Profile(1, "ann", "Ann"));
        read(new Profile(2, "bob", "Bob"));
        cache.forget(List.of(1L));
        assertNull(cache.get(1));
        assertEquals("Bob", cache.get(2).nickname(), "others are kept");
    }

    @Test
    void aReadUnderWayWhenAForgetArrivesIsNotKept() {
        long seen = cache.epoch(); // the read starts: it may see the old nickname
        cache.forget(List.of(1L)); // user.update elsewhere: the new nickname is written, copies forgotten
        cache.keep(new Profile(1, "ann", "old nickname"), seen); // the read's old row arrives
        assertNull(cache.get(1), "the old row is not kept: the next read goes to the database");
        read(new Profile(1, "ann", "new nickname"));
        assertEquals("new nickname", cache.get(1).nickname(), "a read started after the forget is kept");
    }

    @Test
    void pastItsLimitTheCacheStartsOver() {
        for (long id = 1; id <= 3; id++) {
            read(new Profile(id, "u" + id, "U" + id));
        }
        read(new Profile(4, "u4", "U4"));
        assertNull(cache.get(1));
        assertEquals("U4", cache.get(4).nickname());
    }

    @Test
    void nothingIsKeptOfAUserThatDoesNotExist() {
        cache.keep(null, cache.epoch());
        assertNull(cache.get(1));
    }
}
