package dev.tinyim.gateway.admission;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** The shedding controller alone: how measured delay moves the share of sends refused. */
class LoadShedderTest {
    private final LoadShedder shedder = new LoadShedder(null, 150, new SimpleMeterRegistry());

    private int admitted(int of) {
        int n = 0;
        for (int i = 0; i < of; i++) {
            n += shedder.admit() ? 1 : 0;
        }
        return n;
    }

    private void windows(int count, long pushAgeMs) {
        for (int i = 0; i < count; i++) {
            shedder.pushRead(pushAgeMs);
            shedder.endWindow();
        }
    }

    @Test
    void admitsEverythingWhileOnTime() {
        windows(10, 40);
        assertEquals(0, shedder.share());
        assertEquals(10_000, admitted(10_000));
    }

    @Test
    void refusesAGrowingShareWhileBehindAndHoldsItNearTheTarget() {
        windows(LoadShedder.SUSTAINED_WINDOWS - 1 + 5, 400);
        assertEquals(0.5, shedder.share(), 1e-9);
        int taken = admitted(20_000);
        assertTrue(taken > 9_300 && taken < 10_700, "about half admitted: " + taken);
        windows(3, 100); // between half the target and the target: held
        assertEquals(0.5, shedder.share(), 1e-9);
        windows(50, 5_000);
        assertEquals(LoadShedder.MAX_SHARE, shedder.share(), 1e-9);
        assertTrue(admitted(10_000) > 0, "never refuses everything: the delay must stay measurable");
    }

    @Test
    void shortStallsRefuseNothing() {
        for (int i = 0; i < 20; i++) {
            windows(LoadShedder.SUSTAINED_WINDOWS - 1, 400); // a stall that is over before it stands
            windows(1, 100); // under the target, though not under half of it
        }
        assertEquals(0, shedder.share());
        assertEquals(10_000, admitted(10_000));
        windows(LoadShedder.SUSTAINED_WINDOWS, 400);
        assertEquals(LoadShedder.STEP_UP, shedder.share(), 1e-9, "a delay that stands starts the refusing");
    }

    @Test
    void recoversWithinTwoSecondsOfWindowsAfterTheDelayIsGone() {
        windows(50, 5_000);
        windows((int) (2_000 / LoadShedder.WINDOW_MS), 20);
        assertEquals(0, shedder.share());
        assertEquals(10_000, admitted(10_000));
    }

    @Test
    void aWindowWithoutPushesCountsOnlyTheLoopLag() {
        windows(LoadShedder.SUSTAINED_WINDOWS - 1 + 3, 400);
        shedder.endWindow(); // nothing read, the loop on time: a quiet window is not a late one
        assertEquals(0.2, shedder.share(), 1e-9);
    }
}
