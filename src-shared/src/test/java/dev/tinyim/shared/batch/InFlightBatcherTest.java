package dev.tinyim.shared.batch;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InFlightBatcherTest {
    /** Calls the test answers by hand. */
    private record Call(List<Integer> items, UniEmitter<? super List<String>> answer) {
        void answerEach() {
            answer.complete(items.stream().map(i -> "r" + i).toList());
        }
    }

    private final List<Call> calls = new ArrayList<>();
    private final List<Integer> sizes = new ArrayList<>();

    private InFlightBatcher<Integer, String> batcher(int maxBatch, int maxInFlight) {
        return new InFlightBatcher<>(maxBatch, maxInFlight,
                items -> Uni.createFrom().emitter(answer -> calls.add(new Call(items, answer))), sizes::add);
    }

    private static CompletableFuture<String> submit(InFlightBatcher<Integer, String> b, int item) {
        return b.submit(item).subscribeAsCompletionStage();
    }

    @Test
    void itemsArrivingWhileACallIsUnderWayGoTogetherInTheNextUpToTheBatchSize() throws Exception {
        InFlightBatcher<Integer, String> b = batcher(3, 1);
        CompletableFuture<String> first = submit(b, 1);
        List<CompletableFuture<String>> later = new ArrayList<>();
        for (int i = 2; i <= 6; i++) {
            later.add(submit(b, i));
        }
        assertEquals(1, calls.size(), "one call at a time");
        assertEquals(List.of(1), calls.get(0).items(), "the first goes at once, alone");
        assertEquals(5, b.waiting());
        calls.get(0).answerEach();
        assertEquals("r1", first.get());
        assertEquals(List.of(2, 3, 4), calls.get(1).items(), "those that waited go together, at most 3");
        calls.get(1).answerEach();
        assertEquals(List.of(5, 6), calls.get(2).items());
        calls.get(2).answerEach();
        for (int i = 0; i < later.size(); i++) {
            assertEquals("r" + (i + 2), later.get(i).get(), "each its own result");
        }
        assertEquals(List.of(1, 3, 2), sizes);
    }

    @Test
    void atMostMaxInFlightCallsRunAtOnce() {
        InFlightBatcher<Integer, String> b = batcher(1, 2);
        for (int i = 1; i <= 4; i++) {
            submit(b, i);
        }
        assertEquals(2, calls.size());
        calls.get(1).answerEach();
        assertEquals(3, calls.size(), "a finished call lets the next start");
        assertEquals(List.of(3), calls.get(2).items());
    }

    @Test
    void aFailedCallFailsItsItemsOnlyAndAShortAnswerFailsTheRest() throws Exception {
        InFlightBatcher<Integer, String> b = batcher(2, 1);
        CompletableFuture<String> alone = submit(b, 1);
        CompletableFuture<String> second = submit(b, 2);
        CompletableFuture<String> third = submit(b, 3);
        calls.get(0).answer().fail(new IllegalStateException("down"));
        ExecutionException failed = assertThrows(ExecutionException.class, alone::get);
        assertEquals("down", failed.getCause().getMessage());
        assertFalse(second.isDone(), "the next call carries the others");
        calls.get(1).answer().complete(List.of("only one"));
        assertEquals("only one", second.get());
        assertInstanceOf(IllegalStateException.class, assertThrows(ExecutionException.class, third::get).getCause());
        assertTrue(calls.size() == 2);
    }
}
