package dev.tinyim.gateway.admission;

/**
 * Token bucket for one connection's commands (50 a second, bursts to 100 by default), plus a tally of
 * refusals in the last ten seconds that tells abuse from a burst.
 */
public final class RateBucket {
    private final double perMilli;
    private final int burst;
    private double tokens;
    private long refilledAt = System.currentTimeMillis();
    private long windowStart = refilledAt;
    private int refusedInWindow;

    public RateBucket(int perSecond, int burst) {
        this.perMilli = perSecond / 1000.0;
        this.burst = burst;
        this.tokens = burst;
    }

    public synchronized boolean tryTake() {
        long now = System.currentTimeMillis();
        tokens = Math.min(burst, tokens + (now - refilledAt) * perMilli);
        refilledAt = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        if (now - windowStart > 10_000) {
            windowStart = now;
            refusedInWindow = 0;
        }
        refusedInWindow++;
        return false;
    }

    public synchronized int refusedRecently() {
        return refusedInWindow;
    }
}
