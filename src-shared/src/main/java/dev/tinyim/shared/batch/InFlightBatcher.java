package dev.tinyim.shared.batch;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * Items that arrive while earlier ones are being written (or asked) wait, and go together in the next call: at low
 * load each item goes at once, alone; under load a call carries many. At most {@code maxBatch} items a call and
 * {@code maxInFlight} calls at a time, so a burst never turns into a burst of calls (a gateway whose 16,667
 * connections closed at once; chat asking relation about thousands of new friend pairs).
 * <p>
 * {@code call} answers one result per item, in the items' order; a call that fails fails its items only.
 */
public final class InFlightBatcher<T, R> {
    private record Waiting<T, R>(T item, UniEmitter<? super R> emitter) {
    }

    private final int maxBatch;
    private final int maxInFlight;
    private final Function<List<T>, Uni<List<R>>> call;
    private final IntConsumer batchSizes;
    private final ArrayDeque<Waiting<T, R>> waiting = new ArrayDeque<>();
    private int inFlight;

    /** {@code batchSizes} is told the size of every call (a metric), or does nothing. */
    public InFlightBatcher(int maxBatch, int maxInFlight, Function<List<T>, Uni<List<R>>> call, IntConsumer batchSizes) {
        if (maxBatch < 1 || maxInFlight < 1) {
            throw new IllegalArgumentException("need maxBatch >= 1 and maxInFlight >= 1");
        }
        this.maxBatch = maxBatch;
        this.maxInFlight = maxInFlight;
        this.call = call;
        this.batchSizes = batchSizes;
    }

    /** The item's result, once the call that carried it has answered. */
    public Uni<R> submit(T item) {
        return Uni.createFrom().emitter(emitter -> {
            synchronized (waiting) {
                waiting.add(new Waiting<>(item, emitter));
            }
            while (startCall()) {
                // calls until nothing waits or maxInFlight are under way
            }
        });
    }

    /** Items waiting for a call now. */
    public int waiting() {
        synchronized (waiting) {
            return waiting.size();
        }
    }

    private boolean startCall() {
        List<Waiting<T, R>> batch;
        synchronized (waiting) {
            if (inFlight >= maxInFlight || waiting.isEmpty()) {
                return false;
            }
            batch = new ArrayList<>(Math.min(waiting.size(), maxBatch));
            while (!waiting.isEmpty() && batch.size() < maxBatch) {
                batch.add(waiting.poll());
            }
            inFlight++;
        }
        batchSizes.accept(batch.size());
        List<T> items = new ArrayList<>(batch.size());
        batch.forEach(w -> items.add(w.item()));
        Uni<List<R>> answer;
        try {
            answer = call.apply(items);
        } catch (RuntimeException e) {
            answer = Uni.createFrom().failure(e);
        }
        answer.subscribe().with(results -> finished(batch, results, null), failure -> finished(batch, null, failure));
        return true;
    }

    private void finished(List<Waiting<T, R>> batch, List<R> results, Throwable failure) {
        synchronized (waiting) {
            inFlight--;
        }
        for (int i = 0; i < batch.size(); i++) {
            UniEmitter<? super R> emitter = batch.get(i).emitter();
            if (failure != null) {
                emitter.fail(failure);
            } else if (results == null || i >= results.size()) {
                emitter.fail(new IllegalStateException("the call answered " + (results == null ? 0 : results.size())
                        + " results for " + batch.size() + " items"));
            } else {
                emitter.complete(results.get(i));
            }
        }
        while (startCall()) {
            // the items that waited for this call
        }
    }
}
