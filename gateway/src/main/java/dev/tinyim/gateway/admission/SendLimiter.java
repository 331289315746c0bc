package dev.tinyim.gateway.admission;

import dev.tinyim.gateway.GatewayConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * How many sends this gateway hands to a chat instance at once, learned from its answers, so that the excess of an
 * overload is answered {@code unavailable} here at once instead of after waiting in chat's queue first.
 * <p>
 * Chat answers every send with how long it waited in chat's queue for its transaction, and refuses one that arrives
 * when its queue's oldest has waited its {@code max-wait}, marking that refusal as an overload
 * ({@code ErrorCode.overloaded}); such a refusal has crossed two processes before it comes back. This limiter reads both as the congestion signals of an AIMD loop (as TCP
 * reads an ECN mark or a loss): in a {@link #WINDOW_NANOS} window in which a send came back overloaded, or the
 * last of {@link #SUSTAINED_WINDOWS} in a row in which more than {@link #QUEUED_PERCENT} % of the answers had
 * waited longer than {@code tinyim.gateway.send-limit.queued} (chat's queue building, before it refuses), the
 * limit falls to {@link #DECREASE} of the most that were in flight, and no higher than what chat stored would take within the latency target (the rate of the last second,
 * or since the last quiet spell, times the target, Little's law: over a second, a window in which chat paused for a
 * moment weighs a tenth); in a window without either it grows by {@link #INCREASE}, up to
 * {@code tinyim.gateway.send-limit.max}. A send over the limit is refused at once. For {@link #SLOW_RULE_NANOS}
 * after an overload refusal, answers slower than {@code tinyim.gateway.send-limit.latency} (more than
 * {@link #SLOW_PERCENT} % of a window's) lower it as well. Only answers to sends admitted after the last decrease
 * count, since those admitted before it were already too many. Under a normal load chat neither refuses nor keeps
 * sends waiting, so the limit stays at its maximum and refuses nothing, however slowly a cold stack's transactions
 * run (a long transaction is not a long wait for one); it never falls below {@code tinyim.gateway.send-limit.min}.
 * <p>
 * One limit per chat instance ({@link SendLimits}): a chat instance that is slow (restarted, its JIT cold) lowers
 * the limit of the sends that go to it, not of those that go to the others (docs/history/measurements.md).
 */
public class SendLimiter {
    private static final Logger LOG = Logger.getLogger(SendLimiter.class);
    static final long WINDOW_NANOS = 100_000_000L;
    static final double DECREASE = 0.9;
    static final double INCREASE = 0.05;
    /** How long after chat's last overload refusal slow answers still lower the limit. */
    static final long SLOW_RULE_NANOS = 2_000_000_000L;
    /** The share of a window's answers slower than the target that lowers the limit (then). */
    static final int SLOW_PERCENT = 5;
    /** The share of a window's answers that waited in chat's queue past {@code queued} that lowers the limit. */
    static final int QUEUED_PERCENT = 5;
    /**
     * Windows in a row in which chat marked answers as having waited long in its queue before that alone lowers the
     * limit (unless it is limiting already): the answers that end a stall of chat (a slow commit, a paused process)
     * carry long waits for a window or two and then none, where an overload marks window after window. Lowering the
     * limit for a stall refused hundreds of sends in a warm-up's second run, the limit taking seconds to grow back
     * (docs/history/measurements.md). A refusal by chat still lowers it at once.
     */
    static final int SUSTAINED_WINDOWS = 3;
    /** How many recent windows the stored rate is taken over (a second). */
    static final int RATE_WINDOWS = 10;
    /** What {@link #tryAcquire} answers for a refused send (a nanoTime may be negative, so not -1). */
    public static final long REFUSED = Long.MIN_VALUE;

    private final String instance;
    private final int floor;
    private final int ceiling;
    private final LongSupplier clock;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger windowPeak = new AtomicInteger();
    private final AtomicBoolean windowOverloaded = new AtomicBoolean();
    private final AtomicInteger windowAnswered = new AtomicInteger();
    private final AtomicInteger windowSlow = new AtomicInteger();
    private final AtomicInteger windowAccepted = new AtomicInteger();
    private final AtomicInteger windowQueued = new AtomicInteger();
    private final long slowNanos;
    private final long queuedMillis;
    private final Counter refused;
    private final List<Meter> meters;
    /** When chat last refused a send as overloaded (counted); slow answers lower the limit for a while after. */
    private volatile long lastOverload = Long.MIN_VALUE;
    private volatile boolean limiting;
    private volatile int limit;
    private volatile long windowEnd;
    private volatile long lastDecrease = Long.MIN_VALUE;
    /** Sends stored, and the nanoseconds, of each of the last {@link #RATE_WINDOWS} windows (rings; guarded by this). */
    private final long[] recentAccepted = new long[RATE_WINDOWS];
    private final long[] recentLengths = new long[RATE_WINDOWS];
    private int recentNext;
    /** Windows in a row in which chat marked answers as queued long (guarded by this). */
    private int congestedWindows;

    /** The limit of the sends to the chat instance at {@code instance} (its address; {@code ""}: none known yet). */
    public SendLimiter(String instance, GatewayConfig config, MeterRegistry metrics) {
        this(instance, config.sendLimit().min(), config.sendLimit().max(), config.sendLimit().latency().toNanos(),
                config.sendLimit().queued().toMillis(), System::nanoTime, metrics);
    }

    public SendLimiter(String instance, int floor, int ceiling, long slowNanos, long queuedMillis, LongSupplier clock, MeterRegistry metrics) {
        if (floor < 1 || ceiling < floor) {
            throw new IllegalArgumentException("send limit: need 1 <= min <= max, got " + floor + ".." + ceiling);
        }
        this.floor = floor;
        this.ceiling = ceiling;
        this.slowNanos = slowNanos;
        this.queuedMillis = queuedMillis;
        this.clock = clock;
        this.limit = ceiling;
        this.windowEnd = clock.getAsLong() + WINDOW_NANOS;
        this.instance = instance;
        Tags chat = Tags.of("chat", instance);
        this.refused = Counter.builder("tinyim.gateway.send.limited").tags(chat)
                .description("sends refused at once because chat refused sends as overloaded or kept them waiting").register(metrics);
        this.meters = List.of(refused,
                Gauge.builder("tinyim.gateway.send.limit", this, l -> l.limit).tags(chat).register(metrics),
                Gauge.builder("tinyim.gateway.sends.in.flight", inFlight, AtomicInteger::get).tags(chat).register(metrics));
    }

    /** A send's admission: when it was taken, or {@link #REFUSED} (answer unavailable now). */
    public long tryAcquire() {
        long now = clock.getAsLong();
        endWindowIfDue(now);
        int n = inFlight.incrementAndGet();
        if (n > limit) {
            inFlight.decrementAndGet();
            refused.increment();
            return REFUSED;
        }
        windowPeak.accumulateAndGet(n, Math::max);
        return now;
    }

    /**
     * The send admitted at {@code admittedAt} has its answer: {@code accepted} (stored), or a failure,
     * {@code overloaded} when chat refused it as overload.
     */
    public void release(long admittedAt, boolean accepted, boolean overloaded) {
        inFlight.decrementAndGet();
        long now = clock.getAsLong();
        if (accepted) {
            windowAccepted.incrementAndGet();
        }
        if (admittedAt > lastDecrease) {
            if (overloaded) {
                windowOverloaded.set(true);
            }
            windowAnswered.incrementAndGet();
            if (now - admittedAt > slowNanos) {
                windowSlow.incrementAndGet();
            }
        }
        endWindowIfDue(now);
    }

    /**
     * Chat's answer to the send admitted at {@code admittedAt} says it waited {@code millis} in chat's queue for its
     * transaction (before {@link #release}): past {@code tinyim.gateway.send-limit.queued} that is chat's queue
     * building, a congestion mark that lowers the limit before chat has to refuse anything.
     */
    public void queued(long admittedAt, int millis) {
        if (millis > queuedMillis && admittedAt > lastDecrease) {
            windowQueued.incrementAndGet();
        }
    }

    /** The limit now. */
    public int limit() {
        return limit;
    }

    /** Sends handed to this chat instance and not yet answered. */
    public int inFlight() {
        return inFlight.get();
    }

    /** This limiter's meters, to remove from the registry once its chat instance has gone. */
    public List<Meter> meters() {
        return meters;
    }

    /** Sends chat stored per nanosecond over the last {@link #RATE_WINDOWS} windows since a gap; 0 when none. */
    private double recentRate() {
        long accepted = 0;
        long length = 0;
        for (int i = 0; i < RATE_WINDOWS; i++) {
            accepted += recentAccepted[i];
            length += recentLengths[i];
        }
        return length == 0 ? 0 : (double) accepted / length;
    }

    private void endWindowIfDue(long now) {
        if (now - windowEnd < 0) {
            return;
        }
        synchronized (this) {
            if (now - windowEnd < 0) {
                return;
            }
            long windows = 1 + (now - windowEnd) / WINDOW_NANOS; // windows without a send end only at the next one
            long length = now - windowEnd + WINDOW_NANOS;
            windowEnd = now + WINDOW_NANOS;
            int accepted = windowAccepted.getAndSet(0);
            if (windows > 2) {
                // no send for a while: what chat stored before the gap says nothing of what it takes now
                java.util.Arrays.fill(recentAccepted, 0);
                java.util.Arrays.fill(recentLengths, 0);
            } else {
                recentAccepted[recentNext] = accepted;
                recentLengths[recentNext] = length;
                recentNext = (recentNext + 1) % RATE_WINDOWS;
            }
            int peak = windowPeak.getAndSet(inFlight.get());
            int before = limit;
            int answered = windowAnswered.getAndSet(0);
            int slow = windowSlow.getAndSet(0);
            int queued = windowQueued.getAndSet(0);
            boolean overloaded = windowOverloaded.getAndSet(false);
            if (overloaded) {
                lastOverload = now;
            }
            // soon after an overload, more than one in twenty answers slower than the target: chat's queue builds again
            boolean tooSlow = lastOverload != Long.MIN_VALUE && now - lastOverload < SLOW_RULE_NANOS
                    && slow * 100L > (long) answered * SLOW_PERCENT;
            // chat marked more than one in twenty answers as having waited long in its queue: it is falling behind
            boolean congested = queued * 100L > (long) answered * QUEUED_PERCENT;
            congestedWindows = congested ? congestedWindows + 1 : 0;
            boolean sustained = congested && (limiting || congestedWindows >= SUSTAINED_WINDOWS);
            if (overloaded || tooSlow || sustained) {
                // and no more than chat stores would take within the target (Little's law): from
                // the maximum, the first overload lands at once where a tenth per window would take a second
                // the rate of the last second, not this window's alone: a window in which chat paused for a moment
                // stored little, and its rate would hold the limit far below what chat takes
                double rate = recentRate();
                long sustainable = (long) ((rate > 0 ? rate : (double) accepted / length) * slowNanos);
                limit = (int) Math.max(floor, Math.min((long) (Math.min(before, peak) * DECREASE), sustainable));
                lastDecrease = now;
                if (!limiting) {
                    LOG.warnf("chat %s %s: this gateway now hands it at most %d sends at once", instance,
                            overloaded ? "refuses sends as overloaded" : "keeps sends waiting in its queue", limit);
                }
                limiting = true;
            } else if (before < ceiling) {
                int grown = before;
                for (long w = 0; w < windows && grown < ceiling; w++) {
                    grown += Math.max(1, (int) (grown * INCREASE));
                }
                limit = Math.min(ceiling, grown);
                if (limit == ceiling) {
                    limiting = false;
                    LOG.infof("chat %s takes every send again: no limit below the maximum", instance);
                }
            }
        }
    }
}
