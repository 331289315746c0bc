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
 * written together by the next, each answered with how long it waited for it, a send that would wait past
 * max-wait while transactions commit is refused as overload, and one behind a stalled transaction is taken.
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
    /** The test's clock (nanoseconds): moved by hand, as the transactions are finished by hand. */
    private long now = 1_000_000_000L;
    private GroupCommit commits = commitsOf(200);

    /** Group commit with at most {@code maxMessages} sends per transaction. */
    private GroupCommit commitsOf(int maxMessages) {
        return new GroupCommit(
                items -> Uni.createFrom().emitter(done -> transactions.add(new Transaction(items, done))),
                new GroupCommit.Limits(1, maxMessages, 10_000, 4_000, MAX_WAIT_NANOS, EXPIRE_AFTER_NANOS, 0, 0, Duration.ofSeconds(5)),
                GroupCommit.Meters.of(meters), (ms, task) -> { }, () -> now);
    }

    private void millis(long ms) {
        now += ms * 1_000_000L;
    }

    private CompletableFuture<Timeline.Appended> send(long sender) {
        NewMessage m = NewMessage.text(sender, "c" + sender, "u_1_2", Peer.user(2), "hi");
        return commits.submit(new BatchWriter.Item(m, new long[] {sender, 2})).subscribeAsCompletionStage();
    }

    @Test
    void sendsArrivingWhileATransactionRunsAreWrittenTogetherAndToldHowLongTheyWaited() throws Exception {
        CompletableFuture<Timeline.Appended> first = send(1);
        assertEquals(1, transactions.size(), "nothing running: written at once");
        CompletableFuture<Timeline.Appended> second = send(3);
        CompletableFuture<Timeline.Appended> third = send(5);
        assertEquals(1, transactions.size(), "one transaction at a time: the others wait");
        millis(30);
        transactions.get(0).commit();
        assertEquals(0, first.get().queuedNanos(), "the first waited for nothing");
        assertEquals(2, transactions.size());
        assertEquals(2, transactions.get(1).items().size(), "the two that waited go in one transaction");
        transactions.get(1).commit();
        assertEquals(30_000_000L, second.get().queuedNanos(), "waited for the first transaction");
        assertEquals(30_000_000L, third.get().queuedNanos());
        assertEquals(5000, third.get().msgId());
    }

    @Test
    void aSendArrivingWhenTheOldestHasWaitedMaxWaitWhileTransactionsCommitIsRefusedAtOnceButTheWaitingOneIsWritten()
            throws Exception {
        commits = commitsOf(1); // one send per transaction: more sends than transactions, an overload
        send(1); // runs
        CompletableFuture<Timeline.Appended> second = send(3);
        CompletableFuture<Timeline.Appended> third = send(5);
        millis(100);
        transactions.get(0).commit(); // each transaction commits in 100 ms, under max-wait
        millis(90);
        CompletableFuture<Timeline.Appended> late = send(7); // the oldest waiting (5) has waited 190 ms
        var refusal = assertThrows(java.util.concurrent.ExecutionException.class, late::get).getCause();
        assertTrue(ErrorCode.isOverload(refusal), "marked as overload: " + refusal);
        millis(10);
        transactions.get(1).commit();
        transactions.get(2).commit();
        assertEquals(3, transactions.size(), "the sends admitted before are written when their turn comes");
        assertEquals(List.of(1L, 3L, 5L), transactions.stream().map(t -> t.items().get(0).message().senderId()).toList(),
                "the refused send is in no transaction");
        assertEquals(100_000_000L, second.get().queuedNanos());
        assertEquals(200_000_000L, third.get().queuedNanos(), "it waited past max-wait");
        assertEquals(1.0, refused("arrival"));
        assertEquals(0.0, refused("expired"));
    }

    @Test
    void behindAStalledTransactionSendsAreTakenUntilTheOldestHasWaitedExpireAfter() throws Exception {
        commits = commitsOf(1);
        send(1); // runs, and does not finish: a slow commit, a paused process
        CompletableFuture<Timeline.Appended> second = send(3);
        millis(200);
        CompletableFuture<Timeline.Appended> third = send(5); // the oldest waited past max-wait, behind the stall
        assertFalse(third.isDone(), "taken: refusing would shorten no one's wait");
        millis(50);
        transactions.get(0).commit(); // the stall ends after 250 ms; 3 is written next
        millis(110);
        CompletableFuture<Timeline.Appended> fourth = send(7); // 5 has waited 160 ms, queued before the stall ended
        assertFalse(fourth.isDone(), "taken: the oldest waited for the stall, not behind an overload");
        transactions.get(1).commit();
        transactions.get(2).commit();
        transactions.get(3).commit();
        assertEquals(250_000_000L, second.get().queuedNanos());
        assertEquals(160_000_000L, third.get().queuedNanos());
        assertEquals(0, fourth.get().queuedNanos());
        assertEquals(0.0, refused("arrival"));

        send(9); // runs, and stalls again
        send(11);
        millis(EXPIRE_AFTER_NANOS / 1_000_000 + 1);
        var refusal = assertThrows(java.util.concurrent.ExecutionException.class, send(13)::get).getCause();
        assertTrue(ErrorCode.isOverload(refusal), "past expire-after even a stall refuses at once: " + refusal);
        assertEquals(1.0, refused("arrival"));
    }

    @Test
    void aSendThatCouldNotStartWithinExpireAfterIsRefusedWhenItsTurnComes() throws Exception {
        send(1); // runs, and is not finished: a stalled database
        CompletableFuture<Timeline.Appended> waiting = send(3);
        millis(EXPIRE_AFTER_NANOS / 1_000_000 + 20);
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
