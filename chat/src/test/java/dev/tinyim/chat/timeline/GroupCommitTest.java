package dev.tinyim.chat.timeline;

import dev.tinyim.shared.error.ErrorCode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Group commit on a writer whose transactions the test finishes by hand: sends that arrive while one runs are
 * written together by the next, each answered with how long it waited for it, and a send that would wait past
 * max-wait is refused as overload.
 */
class GroupCommitTest {
    private static final long MAX_WAIT_NANOS = 150_000_000L;
    private static final long EXPIRE_AFTER_NANOS = 400_000_000L;

    private record Transaction(List<BatchWriter.Item> items, UniEmitter<? super List<Timeline.Appended>> done) {
        void commit() {
            List<Timeline.Appended> results = new ArrayList<>();
            for (BatchWriter.Item item : items) {
                results.add(new Timeline.Appended(item.message().senderId() * 1000, 1, Map.of(item.message().senderId(), 1L), false));
            }
            done.complete(results);
        }
    }

    private final List<Transaction> transactions = new ArrayList<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final GroupCommit commits = new GroupCommit(
            items -> Uni.createFrom().emitter(done -> transactions.add(new Transaction(items, done))),
            new GroupCommit.Limits(1, 200, 10_000, 4_000, MAX_WAIT_NANOS, EXPIRE_AFTER_NANOS, 0, 0, Duration.ofSeconds(5)),
            GroupCommit.Meters.of(meters), written -> { }, (ms, task) -> { });

    private CompletableFuture<Timeline.Appended> send(long sender) {
        NewMessage m = NewMessage.text(sender, "c" + sender, "u_1_2", Peer.user(2), "hi");
        return commits.submit(new BatchWriter.Item(m, new long[] {sender, 2}), "web").subscribeAsCompletionStage();
    }

    @Test
    void sendsArrivingWhileATransactionRunsAreWrittenTogetherAndToldHowLongTheyWaited() throws Exception {
        CompletableFuture<Timeline.Appended> first = send(1);
        assertEquals(1, transactions.size(), "nothing running: written at once");
        CompletableFuture<Timeline.Appended> second = send(3);
        CompletableFuture<Timeline.Appended> third = send(5);
        assertEquals(1, transactions.size(), "one transaction at a time: the others wait");
        Thread.sleep(30);
        transactions.get(0).commit();
        assertTrue(first.get().queuedNanos() < 20_000_000L, "the first waited for nothing: " + first.get().queuedNanos());
        assertEquals(2, transactions.size());
        assertEquals(2, transactions.get(1).items().size(), "the two that waited go in one transaction");
        transactions.get(1).commit();
        assertTrue(second.get().queuedNanos() >= 30_000_000L, "waited for the first transaction: " + second.get().queuedNanos());
        assertTrue(third.get().queuedNanos() >= 30_000_000L);
        assertEquals(5000, third.get().msgId());
    }

    @Test
    void aSendArrivingWhenTheOldestHasWaitedMaxWaitIsRefusedAtOnceButTheWaitingOneIsWritten() throws Exception {
        send(1); // runs, and is not finished
        CompletableFuture<Timeline.Appended> waiting = send(3);
        Thread.sleep(MAX_WAIT_NANOS / 1_000_000 + 20);
        long before = System.nanoTime();
        CompletableFuture<Timeline.Appended> late = send(5);
        var refusal = assertThrows(java.util.concurrent.ExecutionException.class, late::get).getCause();
        assertTrue(ErrorCode.isOverload(refusal), "marked as overload: " + refusal);
        assertTrue(System.nanoTime() - before < 50_000_000L, "answered at once, not after a wait");
        transactions.get(0).commit();
        assertEquals(2, transactions.size(), "the send admitted before is written when its turn comes");
        assertEquals(List.of(3L), transactions.get(1).items().stream().map(i -> i.message().senderId()).toList(),
                "the refused send is in no transaction");
        transactions.get(1).commit();
        assertTrue(waiting.get().queuedNanos() >= MAX_WAIT_NANOS, "it waited past max-wait: " + waiting.get().queuedNanos());
        assertEquals(1.0, refused("arrival"));
        assertEquals(0.0, refused("expired"));
    }

    @Test
    void aSendThatCouldNotStartWithinExpireAfterIsRefusedWhenItsTurnComes() throws Exception {
        send(1); // runs, and is not finished: a stalled database
        CompletableFuture<Timeline.Appended> waiting = send(3);
        Thread.sleep(EXPIRE_AFTER_NANOS / 1_000_000 + 20);
        transactions.get(0).commit();
        var expired = assertThrows(java.util.concurrent.ExecutionException.class, waiting::get).getCause();
        assertTrue(ErrorCode.isOverload(expired), "refused as overload when its turn came: " + expired);
        assertEquals(1, transactions.size(), "nothing of it was written");
        assertEquals(1.0, refused("expired"));
    }

    private double refused(String when) {
        return meters.get("tinyim.chat.commit.refused").tag("when", when).counter().count();
    }
}
