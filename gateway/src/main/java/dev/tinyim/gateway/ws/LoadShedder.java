package dev.tinyim.gateway.ws;

import dev.tinyim.gateway.GatewayConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Refuses a share of the sends while this gateway is behind, so that an overload is answered with
 * {@code unavailable} at once (nothing stored: the client resends the same clientMsgId) instead of being queued.
 * <p>
 * "Behind" is a measured delay, not a count. Three probes: how late a short timer on the event loop fires (a loop
 * short of CPU leaves frames unread in the socket buffers, where no queue length can see them), how old the
 * pushes are that this gateway reads from its stream (deliveries waiting in Redis), and how long chat keeps sends
 * waiting for a transaction (every send result says so, and a refusal as overloaded counts as over). Every
 * {@link #WINDOW_MS} the delays seen in the window move the share of sends refused: up by {@link #STEP_UP} while
 * one is over its target ({@code tinyim.gateway.overload-delay} for this gateway's own,
 * {@code overload-backend-delay} for chat's; for chat's, in proportion to how far over, a full step at twice the
 * target or a refusal), down by {@link #STEP_DOWN} once this gateway's own delay is under half its target and
 * chat's is under its target.
 * An overload thus settles near the target delay for what is accepted, and the excess is refused here at once
 * rather than by chat after its wait; after it the share is back to 0 within about a second.
 */
@ApplicationScoped
public class LoadShedder {
    static final long PROBE_MS = 20;
    static final long WINDOW_MS = 100;
    static final double STEP_UP = 0.1;
    static final double STEP_DOWN = 0.1;
    static final double MAX_SHARE = 0.98;

    private final Vertx vertx;
    private final long targetMs;
    private final long backendTargetMs;
    private final AtomicLong windowBackendDelay = new AtomicLong();
    private final AtomicLong windowLoopLag = new AtomicLong();
    private final AtomicLong windowPushAge = new AtomicLong();
    private volatile double share;
    private volatile long lastDelayMs;
    private volatile long lastBackendDelayMs;
    private long windowStart;

    @Inject
    public LoadShedder(Vertx vertx, GatewayConfig config, MeterRegistry metrics) {
        this(vertx, config.overloadDelay().toMillis(), config.overloadBackendDelay().toMillis(), metrics);
    }

    LoadShedder(Vertx vertx, long targetMs, long backendTargetMs, MeterRegistry metrics) {
        this.vertx = vertx;
        this.targetMs = targetMs;
        this.backendTargetMs = backendTargetMs;
        metrics.gauge("tinyim.gateway.overload.refused.share", this, s -> s.share);
        metrics.gauge("tinyim.gateway.overload.delay.ms", this, s -> s.lastDelayMs);
        metrics.gauge("tinyim.gateway.overload.backend.delay.ms", this, s -> s.lastBackendDelayMs);
    }

    void onStart(@Observes StartupEvent event) {
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

    /** A send result said chat keeps sends waiting {@code delayMs} for their transaction now. */
    public void backendDelay(long delayMs) {
        windowBackendDelay.accumulateAndGet(delayMs, Math::max);
    }

    /** Chat refused a send as overloaded: over the target, whatever the results said. */
    public void backendOverloaded() {
        backendDelay(Long.MAX_VALUE);
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
    void endWindow() {
        adjust(Math.max(windowLoopLag.getAndSet(0), windowPushAge.getAndSet(0)), windowBackendDelay.getAndSet(0));
    }

    private void adjust(long ownMs, long backendMs) {
        lastDelayMs = ownMs;
        lastBackendDelayMs = Math.min(backendMs, 3_600_000);
        // chat's queue delay moves the share in proportion to how far it is over its target: a transaction slow
        // now and then (an fsync) must not ratchet the share up at a load chat carries
        double backendOver = backendMs <= backendTargetMs ? 0
                : Math.min(1, (double) (backendMs - backendTargetMs) / backendTargetMs);
        if (ownMs > targetMs || backendOver > 0) {
            share = Math.min(MAX_SHARE, share + (ownMs > targetMs ? STEP_UP : STEP_UP * backendOver));
        } else if (ownMs < targetMs / 2) {
            // chat's delay under its target holds nothing: the gateway refuses no send that chat would take
            share = Math.max(0, share - STEP_DOWN);
        }
    }
}
