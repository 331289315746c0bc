package dev.tinyim.gateway.admission;

import dev.tinyim.gateway.backend.Backends;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** One send limit per chat instance: an overloaded instance limits the sends that go to it, not the others. */
class SendLimitsTest {
    private static final String A = "127.0.0.1:9093";
    private static final String B = "127.0.0.1:9103";
    private long now = 1_000_000_000L;
    private List<String> live = new ArrayList<>(List.of(A, B));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** Odd senders' sends go to A, even ones' to B (while both are live), as chat's keyed balancing would have it. */
    private final Backends backends = new Backends(null) {
        @Override
        public String chatInstanceFor(long senderId) {
            return live.isEmpty() ? "" : live.get((int) ((senderId - 1) % live.size()));
        }

        @Override
        public List<String> chatInstances() {
            return List.copyOf(live);
        }
    };
    private final SendLimits limits = new SendLimits(backends,
            instance -> new SendLimiter(instance, 32, 1000, 100_000_000L, 50, () -> now, registry), registry);

    /** Chat refuses as overloaded every one of {@code count} sends of this sender, then the window ends. */
    private void overloaded(long sender, int count) {
        SendLimiter limiter = limits.forSender(sender);
        List<Long> sends = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sends.add(limiter.tryAcquire());
        }
        sends.forEach(at -> limiter.release(at, false, true));
        now += SendLimiter.WINDOW_NANOS;
        limiter.release(limiter.tryAcquire(), true, false); // a send in the next window closes this one
    }

    @Test
    void anOverloadedInstanceLowersOnlyItsOwnLimit() {
        overloaded(1, 200);
        int limitA = limits.forSender(1).limit();
        assertTrue(limitA < 1000, "A refused sends as overloaded: its limit fell, " + limitA);
        assertSame(limits.forSender(1), limits.forSender(3), "every sender whose sends go to A meets A's limit");
        assertEquals(1000, limits.forSender(2).limit(), "B refused nothing: its limit is untouched");

        SendLimiter a = limits.forSender(1);
        int admitted = 0;
        while (a.tryAcquire() != SendLimiter.REFUSED) {
            admitted++;
        }
        assertEquals(limitA, admitted, "A takes no more than its limit at once");
        assertNotEquals(SendLimiter.REFUSED, limits.forSender(2).tryAcquire(), "a send to B is taken while A is full");

        assertTrue(registry.get("tinyim.gateway.send.limit").tag("chat", A).gauge().value() < 1000);
        assertEquals(1000, registry.get("tinyim.gateway.send.limit").tag("chat", B).gauge().value());
    }

    @Test
    void theLimitOfAnInstanceThatLeftGoesOnceNothingIsInFlightToIt() {
        overloaded(1, 200);
        SendLimiter b = limits.forSender(2);
        SendLimiter a = limits.forSender(1);
        long inFlight = a.tryAcquire();
        live.remove(A);

        limits.sweep();
        assertNotNull(registry.find("tinyim.gateway.send.limit").tag("chat", A).gauge(), "a send still in flight to A keeps its limit");

        a.release(inFlight, true, false);
        limits.sweep();
        assertNull(registry.find("tinyim.gateway.send.limit").tag("chat", A).gauge(), "A left: its limit and meters are gone");
        assertNull(registry.find("tinyim.gateway.send.limited").tag("chat", A).counter());
        assertNotNull(registry.find("tinyim.gateway.send.limit").tag("chat", B).gauge(), "B's stays");
        assertSame(b, limits.forSender(1), "sender 1's sends now go to B, and meet B's limit");

        live.add(A); // back on the same address (a restarted process): a limit of its own, at the maximum
        assertEquals(A, backends.chatInstanceFor(2));
        assertEquals(1000, limits.forSender(2).limit());
        assertNotNull(registry.find("tinyim.gateway.send.limit").tag("chat", A).gauge());
    }
}
