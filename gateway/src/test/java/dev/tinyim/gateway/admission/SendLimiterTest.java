package dev.tinyim.gateway.admission;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The send limit alone, on a clock of its own: how chat's answers move it. */
class SendLimiterTest {
    private static final long WINDOW = SendLimiter.WINDOW_NANOS;
    private static final long SLOW = 100_000_000L;
    private static final long QUEUED_MS = 50;
    private long now = 1_000_000_000L;
    private final SendLimiter limiter = new SendLimiter("chat-test", 32, 1000, SLOW, QUEUED_MS, () -> now, new SimpleMeterRegistry());

    /** Admits up to {@code count} sends; the admission times of those taken. */
    private List<Long> admit(int count) {
        List<Long> taken = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long at = limiter.tryAcquire();
            if (at != SendLimiter.REFUSED) {
                taken.add(at);
            }
        }
        return taken;
    }

    private void stored(List<Long> sends) {
        sends.forEach(at -> limiter.release(at, true, false));
    }

    private void refusedByChat(List<Long> sends) {
        sends.forEach(at -> limiter.release(at, false, true));
    }

    /** One send admitted and stored at once: it ends a window that is due. */
    private void tick() {
        long at = limiter.tryAcquire();
        if (at != SendLimiter.REFUSED) {
            limiter.release(at, true, false);
        }
    }

    /** {@code count} sends admitted now; {@code storedFast} of them stored within the window, the rest left in flight. */
    private List<Long> windowOf(int count, int storedFast) {
        List<Long> sends = admit(count);
        now += WINDOW / 2;
        stored(sends.subList(0, storedFast));
        now += WINDOW / 2;
        return new ArrayList<>(sends.subList(storedFast, sends.size()));
    }

    @Test
    void refusesNothingWhileChatRefusesNothingHoweverSlowItAnswers() {
        for (int w = 0; w < 20; w++) {
            List<Long> sends = admit(1000);
            assertEquals(1000, sends.size(), "window " + w);
            now += 20 * WINDOW; // stored 2 s later, as a cold stack may
            stored(sends);
        }
        assertEquals(1000, limiter.limit());
        assertEquals(1, admit(1).size(), "every admitted send answered: room again");
    }

    /** Stored, each after waiting {@code queuedMs} in chat's queue, as chat's answers say. */
    private void storedAfterQueueing(List<Long> sends, int queuedMs) {
        sends.forEach(at -> {
            limiter.queued(at, queuedMs);
            limiter.release(at, true, false);
        });
    }

    /** {@code windows} windows, each of 300 sends stored after waiting 80 ms in chat's queue, ended by a send. */
    private void queuedWindows(int windows) {
        for (int w = 0; w < windows; w++) {
            List<Long> sends = admit(300);
            now += WINDOW / 2;
            storedAfterQueueing(sends, 80);
            now += WINDOW / 2;
            tick();
        }
    }

    @Test
    void answersThatWaitedInChatsQueueWindowAfterWindowLowerTheLimitBeforeChatRefusesAnything() {
        for (int w = 1; w <= SendLimiter.SUSTAINED_WINDOWS; w++) {
            assertEquals(1000, limiter.limit(), "not lowered after " + (w - 1) + " such window(s)");
            List<Long> sends = admit(300);
            now += WINDOW / 2;
            storedAfterQueueing(sends.subList(0, 280), 10);
            storedAfterQueueing(sends.subList(280, 300), 80); // 20 of 300 answers (6.7 %) waited past 50 ms
            now += WINDOW / 2;
            tick(); // ends the window
        }
        assertEquals(270, limiter.limit(), "0.9 of the 300 in flight, under what chat stored within the 100 ms target (300)");
        assertTrue(admit(400).size() < 300, "the excess is refused at once");
    }

    @Test
    void theLongWaitsThatEndAStallOfChatDoNotLowerIt() {
        queuedWindows(SendLimiter.SUSTAINED_WINDOWS - 1); // chat paused: what waited for it is answered over two windows
        for (int w = 0; w < 10; w++) {
            List<Long> sends = admit(300);
            now += WINDOW / 2;
            storedAfterQueueing(sends, 5); // then answered as before
            now += WINDOW / 2;
            tick();
        }
        assertEquals(1000, limiter.limit());
        queuedWindows(SendLimiter.SUSTAINED_WINDOWS - 1); // another stall: the count started again
        assertEquals(1000, limiter.limit());
    }

    @Test
    void aFewLongWaitsOrLongTransactionsDoNotLowerIt() {
        for (int w = 0; w < 10; w++) {
            List<Long> sends = admit(400);
            now += 3 * WINDOW; // a cold stack's slow transactions: answered 300 ms later
            storedAfterQueueing(sends.subList(0, 390), 20);
            storedAfterQueueing(sends.subList(390, 400), 120); // 2.5 % waited long
        }
        assertEquals(1000, limiter.limit(), "slow answers that did not wait in chat's queue, and few long waits");
    }

    @Test
    void answersToSendsAdmittedBeforeADecreaseDoNotLowerItAgain() {
        queuedWindows(SendLimiter.SUSTAINED_WINDOWS - 1);
        List<Long> before = admit(400);
        now += WINDOW / 2;
        storedAfterQueueing(before.subList(0, 300), 80);
        now += WINDOW / 2;
        tick();
        int lowered = limiter.limit();
        storedAfterQueueing(before.subList(300, 400), 140); // the excess admitted before the decrease, answered now
        now += WINDOW;
        tick();
        assertTrue(limiter.limit() > lowered, "it grew again: the late answers were to sends the decrease already counted");
    }

    @Test
    void aQuietSpellBeforeAnOverloadDoesNotCountAsChatStoringLittle() {
        stored(admit(300)); // ends the first window
        now += 10 * 1_000_000_000L; // ten quiet seconds
        tick(); // ends the long window
        List<Long> waiting = windowOf(400, 300); // then 300 stored in 100 ms while 100 wait
        refusedByChat(waiting.subList(0, 1));
        assertEquals(301, limiter.limit(), "what chat stored since the quiet spell (the send that ended it and 300, in "
                + "100 ms), not 600 over ten seconds (which would put it at the floor)");
    }

    @Test
    void anOverloadRefusalLowersTheLimitAndTheExcessIsRefusedAtOnce() {
        List<Long> waiting = windowOf(400, 300); // 300 stored in 100 ms: 3,000 a second
        refusedByChat(waiting.subList(0, 1)); // one of the 100 still waiting refused as overload; the window ends
        assertEquals(300, limiter.limit(), "what chat stores within the 100 ms target (300), under 0.9 of the 400 in flight");
        assertEquals(201, admit(300).size(), "99 in flight: room for 201 up to the limit");
        assertTrue(admit(100).isEmpty(), "at the limit: refused at once");
    }

    @Test
    void aDecreaseFollowsWhatWasInFlightWhenChatStoresMore() {
        List<Long> first = admit(400);
        now += WINDOW / 2;
        stored(first); // 400 stored in the window's first half
        List<Long> second = admit(400);
        now += WINDOW / 2;
        refusedByChat(second.subList(0, 1)); // the window ends
        assertEquals(360, limiter.limit(), "0.9 of the 400 in flight at most; chat's rate alone would allow 400");
    }

    @Test
    void afterAnOverloadRefusalSlowAnswersLowerTheLimitAndFastOnesRaiseIt() {
        List<Long> waiting = windowOf(500, 450);
        refusedByChat(waiting.subList(0, 1)); // limit 450: 0.9 of 500, and chat's rate allows 450
        assertEquals(450, limiter.limit());
        stored(waiting.subList(1, waiting.size())); // admitted before the decrease: their latency is not counted
        now += 1_000;
        List<Long> slow = admit(300);
        now += SLOW + 1_000; // stored slower than the target, within one window
        stored(slow.subList(0, 1));
        assertEquals(249, limiter.limit(), "what chat stored over the last second (450 + 50 in 200 ms and a few µs) "
                + "takes 100 ms for 249, under 0.9 of the 300 in flight; not the 50 of this window alone (a moment's pause weighs little)");
        stored(slow.subList(1, slow.size()));
        now += 1_000;
        List<Long> fast = admit(300);
        assertEquals(249, fast.size(), "up to the limit, the rest refused at once");
        now += WINDOW;
        stored(fast); // each within the target; the first ends the window
        assertEquals(261, limiter.limit(), "answered within the target: 249 + 5 %");
    }

    @Test
    void slowAnswersLongAfterTheLastOverloadDoNotLowerIt() {
        List<Long> waiting = windowOf(500, 450);
        refusedByChat(waiting.subList(0, 1));
        stored(waiting.subList(1, waiting.size()));
        assertEquals(450, limiter.limit());
        now += SendLimiter.SLOW_RULE_NANOS;
        List<Long> slow = admit(100);
        now += SLOW + 1_000;
        stored(slow); // all slower than the target, but chat has refused nothing for 2 s
        assertTrue(limiter.limit() > 450, "grows: " + limiter.limit());
    }

    @Test
    void refusalsOfSendsAdmittedBeforeADecreaseDoNotLowerItAgain() {
        List<Long> waiting = windowOf(500, 450);
        refusedByChat(waiting.subList(0, 1));
        assertEquals(450, limiter.limit());
        refusedByChat(waiting.subList(1, waiting.size())); // the rest of chat's queue, refused after its wait
        now += WINDOW;
        tick();
        assertTrue(limiter.limit() > 450, "stale refusals ignored, the limit grows: " + limiter.limit());
    }

    @Test
    void neverFallsBelowTheMinimumAndGrowsBackToTheMaximumWithoutRefusals() {
        for (int w = 0; w < 100; w++) {
            List<Long> sends = admit(50);
            now += WINDOW;
            refusedByChat(sends); // chat stores nothing and refuses: the limit falls
            now += WINDOW;
            tick();
        }
        assertTrue(limiter.limit() <= 34, "at the minimum (and one window's growth): " + limiter.limit());
        List<Long> held = admit(40);
        assertEquals(limiter.limit(), held.size(), "the minimum is still taken");
        stored(held);
        int windows = 0;
        while (limiter.limit() < 1000 && windows < 1000) {
            now += WINDOW;
            tick();
            windows++;
        }
        assertEquals(1000, limiter.limit());
        assertTrue(windows < 80, "back to the maximum within 8 s of windows: " + windows);
    }

    @Test
    void quietWindowsCountWhenTheNextSendArrives() {
        List<Long> waiting = windowOf(100, 90);
        refusedByChat(waiting);
        assertEquals(90, limiter.limit());
        now += 80 * WINDOW; // 8 s without a send
        tick();
        assertEquals(1000, limiter.limit(), "grown as if the quiet windows had each ended");
    }

    @Test
    void aNegativeClockAdmitsAsAPositiveOne() {
        now = -5_000_000_000L; // System.nanoTime may be negative
        SendLimiter negative = new SendLimiter("chat-test", 32, 1000, SLOW, QUEUED_MS, () -> now, new SimpleMeterRegistry());
        long at = negative.tryAcquire();
        assertNotEquals(SendLimiter.REFUSED, at);
        assertEquals(now, at);
    }

    @Test
    void refusesAnImpossibleRange() {
        assertThrows(IllegalArgumentException.class, () -> new SendLimiter("chat-test", 0, 10, SLOW, QUEUED_MS, () -> 0, new SimpleMeterRegistry()));
        assertThrows(IllegalArgumentException.class, () -> new SendLimiter("chat-test", 20, 10, SLOW, QUEUED_MS, () -> 0, new SimpleMeterRegistry()));
    }
}
