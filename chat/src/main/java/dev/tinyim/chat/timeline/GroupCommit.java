package dev.tinyim.chat.timeline;

import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.error.Failures;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import org.jboss.logging.Logger;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Sends that arrive while earlier ones are being written wait here and are written together, in one
 * transaction ({@link BatchWriter}): under load a transaction carries many messages, at low load each
 * message is written at once. At most {@code concurrency} transactions run at a time.
 * <p>
 * Overload is refused, not queued: a send that finds {@code maxQueued} sends already waiting, or the oldest of
 * them waiting longer than {@code maxWait} while transactions commit in their usual time, fails at once with
 * {@code unavailable} and stores nothing, so its client can resend the same clientMsgId. Behind a stalled
 * transaction the oldest may wait up to {@code expireAfter} first ({@link #ageLimit}): a stall is not an
 * overload. A send once admitted is written when its turn comes: refusing it after it waited would answer late
 * and waste the wait (measured: those late refusals were the tail of an overload's refusals). Only one that
 * could not start its transaction within {@code expireAfter} (a stalled database) fails then.
 */
final class GroupCommit {
    private static final Logger LOG = Logger.getLogger(GroupCommit.class);

    private final Function<List<BatchWriter.Item>, Uni<List<Timeline.Appended>>> writer;
    private final Limits limits;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final Meters meters;
    private int running;
    /** When a send transaction last timed out with none committed since (0: none); for the operator's log. */
    private volatile long stalledSince;
    private boolean lingering; // a timer to end the linger is set
    /** When the last transaction started and the last one finished (nanoTime; 0: none yet): for the refusal log. */
    private long lastStarted;
    private long lastFinished;
    /** When a refusal was last logged (nanoTime): at most one line per {@link #REFUSAL_LOG_NANOS}. */
    private long refusalLogged;
    private static final long REFUSAL_LOG_NANOS = 1_000_000_000L;
    private final java.util.function.BiConsumer<Long, Runnable> timer;
    private final java.util.function.LongSupplier clock;
    /**
     * When the last transaction that ran longer than {@code maxWait} finished (a stall: a slow commit, a paused
     * process); 0: none yet. Sends queued before it waited for the stall, not behind an overload.
     */
    private long stallEnded;

    /** What an operator sees of it (Prometheus): messages per transaction, its time, the wait for it, sends refused. */
    record Meters(DistributionSummary batchSize, Timer batchTime, Timer queued, Counter refused, Counter expired) {
        static Meters of(MeterRegistry registry) {
            return new Meters(DistributionSummary.builder("tinyim.chat.commit.batch.messages")
                    .description("messages written by one send transaction").publishPercentiles(0.5, 0.99).register(registry),
                    Timer.builder("tinyim.chat.commit.batch.time").description("one send transaction, lock to commit")
                            .publishPercentiles(0.5, 0.99).register(registry),
                    Timer.builder("tinyim.chat.commit.queued").description("a send's wait for its transaction")
                            .publishPercentiles(0.5, 0.99).register(registry),
                    Counter.builder("tinyim.chat.commit.refused").description("sends refused as overload (unavailable)")
                            .tag("when", "arrival").register(registry),
                    Counter.builder("tinyim.chat.commit.refused").description("sends refused as overload (unavailable)")
                            .tag("when", "expired").register(registry));
        }
    }

    /**
     * {@code lingerNanos}: with fewer than {@code lingerMessages} waiting and none of them older than that, the
     * next transaction waits for more (fewer, larger transactions: less database CPU per message at moderate
     * rates, for that much latency); 0 starts at once. {@code expireAfterNanos}: an admitted send that could not
     * start its transaction within this is refused then.
     */
    record Limits(int concurrency, int maxMessages, int maxEntries, int maxQueued, long maxWaitNanos,
                  long expireAfterNanos, long lingerNanos, int lingerMessages, java.time.Duration timeout) {
    }

    private record Pending(BatchWriter.Item item, UniEmitter<? super Timeline.Appended> result, long queuedAt) {
    }

    /**
     * Sends written together, and when their transaction was started: each send's wait for it ({@code startedAt -
     * queuedAt}) is answered with the send (the gateways' send limit reads it).
     */
    private record Batch(List<Pending> sends, long startedAt) {
        long queuedNanos(int i) {
            return Math.max(0, startedAt - sends.get(i).queuedAt());
        }
    }

    /** {@code writer}: one transaction for these sends ({@link BatchWriter#write}), their results in order. */
    GroupCommit(Function<List<BatchWriter.Item>, Uni<List<Timeline.Appended>>> writer, Limits limits, Meters meters,
                java.util.function.BiConsumer<Long, Runnable> timer, java.util.function.LongSupplier clock) {
        this.writer = writer;
        this.clock = clock;
        this.timer = timer;
        this.meters = meters;
        this.limits = limits;
    }

    Uni<Timeline.Appended> submit(BatchWriter.Item item) {
        return Uni.createFrom().emitter(emitter -> {
            boolean refused;
            String why = null;
            synchronized (this) {
                // refused at once, not after the wait: too many waiting, or the oldest has waited the whole limit
                // already (one that joined now would wait past it). Half the limit was tried: it refused sends at
                // 2,000 msg/s that the wait would have taken (docs/history/measurements.md)
                long now = clock.getAsLong();
                refused = queue.size() >= limits.maxQueued() || (!queue.isEmpty()
                        && now - queue.peek().queuedAt() > ageLimit(now));
                if (!refused) {
                    queue.add(new Pending(item, emitter, now));
                } else if (now - refusalLogged > REFUSAL_LOG_NANOS) {
                    refusalLogged = now;
                    why = refusal(now);
                }
            }
            if (refused) {
                meters.refused().increment();
                if (why != null) {
                    LOG.warn(why);
                }
                emitter.fail(overloaded());
            } else {
                drain();
            }
        });
    }

    /**
     * How long the oldest waiting send may have waited when another arrives. {@code maxWait} while transactions
     * commit in their usual time: a queue that ages then is more sends than the database writes, an overload.
     * Behind a stall (the running transaction has run longer than {@code maxWait}, or the oldest send was queued
     * before one that did had finished), {@code expireAfter}: refusing would shorten no one's wait, and the stall
     * is usually over before it (a cold stack's first seconds, a GC pause); sends taken then are written when it
     * ends, or refused if they could not start within {@code expireAfter} after all. Refusing for a stall refused
     * sends in a first run right after {@code ./tinyim up} (docs/history/measurements.md).
     */
    private long ageLimit(long now) {
        boolean stalled = (running > 0 && now - lastStarted > limits.maxWaitNanos())
                || (stallEnded != 0 && queue.peek().queuedAt() - stallEnded <= 0);
        return stalled ? limits.expireAfterNanos() : limits.maxWaitNanos();
    }

    /**
     * Why sends are refused now, for the operator (at most a line a second): a queue that drains but grows is an
     * overload; one behind a transaction that has run long, or none finished for a while, is a stall (a slow
     * commit, a paused process).
     */
    private String refusal(long now) {
        return String.format("refusing sends as overloaded: %d waiting, the oldest for %d ms (limit %d ms); "
                        + "%d transaction(s) running, the last started %s ago, the last finished %s ago",
                queue.size(), (now - queue.peek().queuedAt()) / 1_000_000, ageLimit(now) / 1_000_000, running,
                ago(now, lastStarted), ago(now, lastFinished));
    }

    private static String ago(long now, long at) {
        return at == 0 ? "never" : (now - at) / 1_000_000 + " ms";
    }

    /** Sends waiting for a transaction now (a gauge). */
    synchronized int waiting() {
        return queue.size();
    }

    private static RuntimeException overloaded() {
        return ErrorCode.overloaded("chat is overloaded; retry the send");
    }

    private void drain() {
        while (true) {
            List<Pending> batch = new ArrayList<>();
            List<Pending> expired = new ArrayList<>();
            synchronized (this) {
                if (running >= limits.concurrency() || queue.isEmpty()) {
                    return;
                }
                long now = clock.getAsLong();
                long age = now - queue.peek().queuedAt();
                if (limits.lingerNanos() > 0 && queue.size() < limits.lingerMessages() && age < limits.lingerNanos()) {
                    // wait for more; once lingerMessages are waiting, the next submit starts the transaction at once
                    if (!lingering) {
                        lingering = true;
                        long waitMs = Math.max(1, (limits.lingerNanos() - age + 999_999) / 1_000_000);
                        timer.accept(waitMs, () -> {
                            synchronized (this) {
                                lingering = false;
                            }
                            drain();
                        });
                    }
                    return;
                }
                int entries = 0;
                while (!queue.isEmpty() && batch.size() < limits.maxMessages()) {
                    Pending next = queue.peek();
                    if (now - next.queuedAt() > limits.expireAfterNanos()) {
                        expired.add(queue.poll());
                        continue;
                    }
                    int size = next.item().users().length;
                    if (!batch.isEmpty() && entries + size > limits.maxEntries()) {
                        break;
                    }
                    batch.add(queue.poll());
                    entries += size;
                }
                if (!batch.isEmpty()) {
                    running++;
                    lastStarted = now;
                }
            }
            expired.forEach(p -> {
                meters.expired().increment();
                p.result().fail(overloaded());
            });
            if (!batch.isEmpty()) {
                Batch formed = new Batch(batch, clock.getAsLong());
                for (int i = 0; i < batch.size(); i++) {
                    meters.queued().record(formed.queuedNanos(i), java.util.concurrent.TimeUnit.NANOSECONDS);
                }
                write(formed);
            }
        }
    }

    private void write(Batch sends) {
        List<Pending> batch = sends.sends();
        List<BatchWriter.Item> items = new ArrayList<>(batch.size());
        batch.forEach(p -> items.add(p.item()));
        meters.batchSize().record(batch.size());
        long started = clock.getAsLong();
        writer.apply(items).ifNoItem().after(limits.timeout()).failWith(TransactionTimeout::new)
                .subscribe().with(results -> {
            meters.batchTime().record(clock.getAsLong() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
            long stalled = stalledSince;
            if (stalled != 0) {
                stalledSince = 0;
                LOG.infof("send transactions commit again, %d ms after the first one that did not finish", (clock.getAsLong() - stalled) / 1_000_000);
            }
            finished(started);
            // all in this turn: their callers publish them together (MessagePush)
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result().complete(results.get(i).queued(sends.queuedNanos(i)));
            }
        }, outcome -> {
            boolean timedOut = outcome instanceof TransactionTimeout;
            Throwable failure = timedOut
                    ? ErrorCode.UNAVAILABLE.exception("the send transaction did not finish in time; retry the send") : outcome;
            if (timedOut) {
                if (stalledSince == 0) {
                    stalledSince = started;
                }
                // one line per transaction timeout (at most one per timeout period): the database takes no commits
                LOG.warnf("a send transaction of %d messages did not finish in %d ms: the database is not committing "
                        + "(disk full? a hung primary? its error log says); its sends are answered unavailable",
                        batch.size(), limits.timeout().toMillis());
            }
            finished(started);
            if (batch.size() == 1 || Failures.unreachable(failure) || Failures.cannotWriteNow(failure)
                    || io.grpc.Status.fromThrowable(failure).getCode() == io.grpc.Status.Code.UNAVAILABLE) {
                // the database itself is the matter (gone, too slow, disk full, read-only): alone each would fail
                // the same way, and a transaction that timed out may still commit (a resend finds it by clientMsgId)
                batch.forEach(p -> p.result().fail(failure));
                return;
            }
            // one bad message must not fail the others: each is written on its own
            LOG.warnf("a batch of %d sends failed (%s); writing each alone", batch.size(), failure.toString());
            for (Pending p : batch) {
                synchronized (this) {
                    running++;
                }
                write(new Batch(List.of(p), sends.startedAt()));
            }
        });
    }

    private void finished(long started) {
        synchronized (this) {
            running--;
            lastFinished = clock.getAsLong();
            if (lastFinished - started > limits.maxWaitNanos()) {
                stallEnded = lastFinished;
            }
        }
        drain();
    }

    /** A send transaction that did not finish within its timeout, told apart from the database's own failures. */
    private static final class TransactionTimeout extends RuntimeException {
        TransactionTimeout() {
            super("the send transaction did not finish in time", null, false, false);
        }
    }
}
