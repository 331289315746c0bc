package dev.tinyim.shared.cache;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** Copies kept by id (the profiles a gateway and relation keep for user.get): what is kept, what a forget drops. */
class KeptCopiesTest {
    private final AtomicLong now = new AtomicLong(1_000);
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final KeptCopies<String> kept = new KeptCopies<>("test.kept", 60_000, 3, now::get, metrics);

    private void read(long id, String nickname) {
        kept.keep(id, nickname, kept.epoch());
    }

    @Test
    void aKeptCopyIsAnsweredUntilItsTtl() {
        assertNull(kept.get(1));
        read(1, "Ann");
        assertEquals("Ann", kept.get(1));
        now.addAndGet(59_999);
        assertEquals("Ann", kept.get(1));
        now.addAndGet(1);
        assertNull(kept.get(1), "lapsed after the ttl: read again");
        assertEquals(2.0, metrics.counter("test.kept", "result", "hit").count());
        assertEquals(2.0, metrics.counter("test.kept", "result", "miss").count());
    }

    @Test
    void aForgottenCopyIsReadAgain() {
        read(1, "Ann");
        read(2, "Bob");
        kept.forget(List.of(1L));
        assertNull(kept.get(1));
        assertEquals("Bob", kept.get(2), "others are kept");
    }

    @Test
    void forgettingAllDropsEveryCopyAndReadsUnderWay() {
        read(1, "Ann");
        long seen = kept.epoch();
        kept.forgetAll();
        kept.keep(2, "Bob", seen);
        assertNull(kept.get(1));
        assertNull(kept.get(2), "a read under way when everything was forgotten is not kept");
    }

    @Test
    void aReadUnderWayWhenAForgetArrivesIsNotKept() {
        long seen = kept.epoch(); // the read starts: it may see the old nickname
        kept.forget(List.of(1L)); // user.update elsewhere: the new nickname is written, copies forgotten
        kept.keep(1, "old nickname", seen); // the read's old row arrives
        assertNull(kept.get(1), "the old row is not kept: the next read goes to the owner");
        read(1, "new nickname");
        assertEquals("new nickname", kept.get(1), "a read started after the forget is kept");
    }

    @Test
    void pastItsLimitTheCopiesStartOver() {
        for (long id = 1; id <= 3; id++) {
            read(id, "U" + id);
        }
        read(4, "U4");
        assertNull(kept.get(1));
        assertEquals("U4", kept.get(4));
        assertEquals(1.0, metrics.get("test.kept.size").gauge().value());
    }

    @Test
    void nothingIsKeptOfWhatDoesNotExistNorWithNoTtl() {
        kept.keep(1, null, kept.epoch());
        assertNull(kept.get(1));
        KeptCopies<String> off = new KeptCopies<>("test.off", 0, 3, now::get, metrics);
        off.keep(1, "Ann", off.epoch());
        assertNull(off.get(1), "a ttl of 0 keeps nothing");
    }

    @Test
    void aReadThroughKeepsWhatItReadUnlessAForgetCameOrItMayNotKeep() {
        List<Long> reads = new java.util.ArrayList<>();
        assertEquals("Ann", kept.get(1, id -> { reads.add(id); return Uni.createFrom().item("Ann"); }, () -> true).await().indefinitely());
        assertEquals("Ann", kept.get(1, id -> { reads.add(id); return Uni.createFrom().item("other"); }, () -> true).await().indefinitely(),
                "answered from the copy");
        assertEquals(List.of(1L), reads, "read once");

        assertEquals("Bob", kept.get(2, id -> {
            kept.forget(List.of(2L)); // a change arrives while the read is under way
            return Uni.createFrom().item("Bob");
        }, () -> true).await().indefinitely());
        assertNull(kept.get(2), "a read a forget overtook is not kept");

        assertEquals("Cy", kept.get(3, id -> Uni.createFrom().item("Cy"), () -> false).await().indefinitely());
        assertNull(kept.get(3), "not kept while the caller may not keep");
    }
}
