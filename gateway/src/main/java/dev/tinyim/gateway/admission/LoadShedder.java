package dev.tinyim.gateway.admission;

import dev.tinyim.gateway.GatewayConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Refuses a share of the sends while this gateway is behind, so that an overload is answered with
 * {@code unavailable} at once (nothing stored: the client resends the same clientMsgId) instead of being queued.
 * <p>
 * "Behind" is a measured delay, not a count. Two probes: how late a short timer on the event loop fires (a loop
 * short of CPU leaves frames unread in the socket buffers, where no queue length can see them), and how old the
 * pushes are that this gateway reads from its stream (deliveries waiting in Redis). Every {@link #WINDOW_MS} the
 * larger of the two delays seen in the window moves the share of sends refused: up by {@link #STEP_UP} while it is
 * over the target ({@code tinyim.gateway.overload-delay}), down by {@link #STEP_DOWN} once it is under half the
 * target. Refusing starts only once {@link #SUSTAINED_WINDOWS} windows in a row were over the target (a standing
 * delay, as CoDel tells a standing queue from a burst): a single stall of a cold or CPU-starved process (JIT, GC,
 * a neighbour on the same cores) is over before refusing could help, and a send refused for it is a send lost to a
 * client that does not resend. An overload thus settles near the target delay for what is accepted; after it the share is back to 0
 * within about a second.
 */
@ApplicationScoped
public class LoadShedder {
    private static final Logger LOG = Logger.getLogger(LoadShedder.class);
    static final long PROBE_MS = 20;
    static final long WINDOW_MS = 100;
    static final double STEP_UP = 0.1;
    static final double STEP_DOWN = 0.1;
    static final double MAX_SHARE = 0.98;
    /** Windows in a row over the target before refusing starts: a stall this short is a hiccup, not an overload. */
    static final int SUSTAINED_WINDOWS = 3;

    private final Vertx vertx;
    private final long targetMs;
    private final AtomicLong windowLoopLag = new AtomicLong();
    private final AtomicLong windowPushAge = new AtomicLong();
    private volatile double share;
    private volatile long lastDelayMs;
    private int windowsOver;
    private long windowStart;

    @Inject
    public LoadShedder(Vertx vertx, GatewayConfig config, MeterRegistry metrics) {
        this(vertx, config.overloadDelay().toMillis(), metrics);
    }

    public LoadShedder(Vertx vertx, long targetMs, MeterRegistry metrics) {
        this.vertx = vertx;
        this.targetMs = targetMs;
        metrics.gauge("tinyim.gateway.overload.refused.share", this, s -> s.share);
        metrics.gauge("tinyim.gateway.overload.delay.ms", this, s -> s.lastDelayMs);
    }

    public void onStart(@Observes StartupEvent event) {
        windowStart = System.nanoTime();
        probeAfter(System.nanoTime());
    }

    /** Whether to take this send (or typing); false means answer unavailable now. */
    public boolean admit() {
        double s = share;
        return s <= 0 || ThreadLocalRandom.current().nextDouble() >= s;
    }

    /** A push was read from the stream {@code ageMs} after it was published. */
    public void pushRead(long ageMs) {
        windowPushAge.accumulateAndGet(ageMs, Math::max);
    }

    /** The share of sends refused now (0..{@link #MAX_SHARE}). */
    public double share() {
        return share;
    }

    private void probeAfter(long scheduledAt) {
        vertx.setTimer(PROBE_MS, id -> {
            long now = System.nanoTime();
            long lateMs = (now - scheduledAt) / 1_000_000 - PROBE_MS;
            windowLoopLag.accumulateAndGet(Math.max(0, lateMs), Math::max);
            if (now - windowStart >= WINDOW_MS * 1_000_000) {
                windowStart = now;
                endWindow();
            }
            probeAfter(now);
        });
    }

    /** One window's worth of control: the larger delay seen in it moves the share. */
    public void endWindow() {
        long loopLag = windowLoopLag.getAndSet(0);
        long pushAge = windowPushAge.getAndSet(0);
        double before = share;
        adjust(Math.max(loopLag, pushAge));
        if (before == 0 && share > 0) {
            LOG.warnf("gateway behind (event loop %d ms late, pushes %d ms old; target %d ms): refusing %.0f%% of sends",
                    loopLag, pushAge, targetMs, share * 100);
        } else if (before > 0 && share == 0) {
            LOG.infof("gateway caught up: accepting every send again");
        }
    }

    private void adjust(long delayMs) {
        lastDelayMs = delayMs;
        windowsOver = delayMs > targetMs ? windowsOver + 1 : 0;
        if (delayMs > targetMs && (share > 0 || windowsOver >= SUSTAINED_WINDOWS)) {
            share = Math.min(MAX_SHARE, share + STEP_UP);
        } else if (delayMs < targetMs / 2) {
            share = Math.max(0, share - STEP_DOWN);
        }
    }
}
