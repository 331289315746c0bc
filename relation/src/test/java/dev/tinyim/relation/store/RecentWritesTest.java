package dev.tinyim.relation.store;

import dev.tinyim.shared.grpc.BackendChannels;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static dev.tinyim.relation.store.RecentWrites.group;
import static dev.tinyim.relation.store.RecentWrites.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-memory read-your-writes marks, on a clock the test moves (window 10 s, join 5 s). */
class RecentWritesTest {
    private final AtomicLong now = new AtomicLong(1_000_000);
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    // no backends configured: wrote() marks this instance only, as in relation's module tests
    private final BackendChannels none = new BackendChannels(null, null, Optional.empty(), Duration.ofSeconds(2),
            Duration.ofSeconds(5), Optional.empty());
    private final RecentWrites recent = new RecentWrites(10_000, 5_000, now::get, none, metrics);

    @Test
    void aNewInstanceCountsEverythingAsJustWrittenForTheWindowAndTheJoinTime() {
        assertFalse(recent.complete());
        assertTrue(recent.recent(user(1)), "in the first period every read goes to the primary");
        assertTrue(recent.recent(), "even one about nothing in particular");
        now.addAndGet(14_999);
        assertTrue(recent.recent(user(1)));
        assertEquals(0, metrics.get("tinyim.relation.marks.complete").gauge().value());
        now.addAndGet(1);
        assertTrue(recent.complete());
        assertFalse(recent.recent(user(1)), "past window + join only marked users count");
        assertEquals(1, metrics.get("tinyim.relation.marks.complete").gauge().value());
    }

    @Test
    void aMarkLastsTheWindowAndNamesOnlyItsUserOrGroup() {
        now.addAndGet(15_000);
        recent.wrote(List.of(7L), List.of(9L)).await().indefinitely();
        assertTrue(recent.recent(user(7)));
        assertTrue(recent.recent(group(9)));
        assertTrue(recent.recent(user(1), group(9)), "any one of the keys");
        assertFalse(recent.recent(user(9)), "a user and a group with the same id are different marks");
        assertFalse(recent.recent(group(7)));
        assertFalse(recent.recent(user(8)));
        now.addAndGet(9_999);
        assertTrue(recent.recent(user(7)));
        now.addAndGet(1);
        assertFalse(recent.recent(user(7)), "the window has ended");
        assertFalse(recent.recent(group(9)));
    }

    @Test
    void aSecondWriteExtendsTheMarkAndAnOlderOneDoesNotShortenIt() {
        now.addAndGet(15_000);
        recent.mark(List.of(7L), List.of());
        now.addAndGet(6_000);
        recent.mark(List.of(7L), List.of());
        now.addAndGet(6_000);
        assertTrue(recent.recent(user(7)), "12 s after the first write, 6 s after the second");
        now.addAndGet(4_000);
        assertFalse(recent.recent(user(7)));
    }

    @Test
    void theSweepDropsOnlyEndedMarks() {
        now.addAndGet(15_000);
        recent.mark(List.of(1L, 2L), List.of(3L));
        now.addAndGet(5_000);
        recent.mark(List.of(4L), List.of());
        assertEquals(4, recent.size());
        now.addAndGet(5_000);
        recent.sweep();
        assertEquals(1, recent.size(), "the three marks of 10 s ago are gone");
        assertTrue(recent.recent(user(4)));
        assertEquals(1, metrics.get("tinyim.relation.marks").gauge().value());
    }
}
