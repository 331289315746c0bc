package dev.tinyim.client.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What happened to the sends of each second of a run, by the second they were sent in: how many were sent,
 * accepted, refused (an error answer from the server) and timed out (no answer within the load generator's 15 s),
 * their send→delivery latency, and how fast a refusal came back (per second and per phase). With phases
 * ({@link RateSchedule}) it also tells, per phase, the accepted sends' latency and how long after a drop in load
 * the latency was back under a threshold ({@code --recovered-below}, milliseconds).
 */
final class PerSecond {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final RateSchedule schedule;
    private final long startNanos;
    /** The run's seconds; one more bucket holds what is sent after the last (the final sends' callbacks). */
    private final int seconds;
    private final AtomicLongArray sent;
    private final AtomicLongArray accepted;
    private final AtomicLongArray refused;
    private final AtomicLongArray timedOut;
    private final Histogram[] delivery;
    private final Histogram[] refusal;
    private final Histogram[] phaseDelivery;
    private final Histogram[] phaseRefusal;

    PerSecond(RateSchedule schedule, long startNanos) {
        this.schedule = schedule;
        this.startNanos = startNanos;
        this.seconds = schedule.seconds();
        this.sent = new AtomicLongArray(seconds + 1);
        this.accepted = new AtomicLongArray(seconds + 1);
        this.refused = new AtomicLongArray(seconds + 1);
        this.timedOut = new AtomicLongArray(seconds + 1);
        this.delivery = histograms(seconds + 1);
        this.refusal = histograms(seconds + 1);
        this.phaseDelivery = histograms(schedule.phases().size());
        this.phaseRefusal = histograms(schedule.phases().size());
    }

    private static Histogram[] histograms(int n) {
        Histogram[] h = new Histogram[n];
        for (int i = 0; i < n; i++) {
            h[i] = new ConcurrentHistogram(3_600_000_000L, 2);
        }
        return h;
    }

    private int second(long sentNanos) {
        return (int) Math.min(seconds, Math.max(0, (sentNanos - startNanos) / 1_000_000_000L));
    }

    void sent(long sentNanos) {
        sent.incrementAndGet(second(sentNanos));
    }

    void accepted(long sentNanos) {
        accepted.incrementAndGet(second(sentNanos));
    }

    /** A failed send: its code {@link LoadSession#TIMED_OUT} (no answer at all) or the server's error code. */
    void failed(long sentNanos, long now, String code) {
        int s = second(sentNanos);
        if (code.equals(LoadSession.TIMED_OUT)) {
            timedOut.incrementAndGet(s);
            return;
        }
        refused.incrementAndGet(s);
        refusal[s].recordValue((now - sentNanos) / 1000);
        phaseRefusal[schedule.phaseAt(s)].recordValue((now - sentNanos) / 1000);
    }

    void delivered(long sentNanos, long now) {
        int s = second(sentNanos);
        delivery[s].recordValue((now - sentNanos) / 1000);
        phaseDelivery[schedule.phaseAt(s)].recordValue((now - sentNanos) / 1000);
    }

    /**
     * Seconds from the start of {@code phase} until the first second from which on every second delivered
     * sends and their p99 stays under {@code belowMillis}; -1 if it never got there.
     */
    int recoverySeconds(int phase, double belowMillis) {
        int from = schedule.phaseStart(phase);
        int to = from + schedule.phases().get(phase).seconds();
        int recovered = -1;
        for (int s = to - 1; s >= from; s--) {
            if (delivery[s].getTotalCount() == 0 || LoadReport.ms(delivery[s], 99) >= belowMillis) {
                break;
            }
            recovered = s - from;
        }
        return recovered;
    }

    /**
     * Seconds from {@code fromSecond} until the first second from which on every second of the run had at least
     * {@code share} of its offered rate accepted (0 if it never fell below); -1 if it never got there again.
     */
    int fullRateAfter(int fromSecond, double share) {
        int recovered = -1;
        for (int s = seconds - 1; s >= fromSecond; s--) {
            double rate = schedule.phases().get(schedule.phaseAt(s)).rate();
            if (accepted.get(s) < share * rate) {
                break;
            }
            recovered = s - fromSecond;
        }
        return recovered;
    }

    /** Prints the per-second table and the phase summary into the report (its facts and its JSON). */
    void report(LoadReport report, double recoveredBelow) {
        StringBuilder table = new StringBuilder(String.format("%n  %6s %8s %8s %9s %9s %9s %10s %10s %14s%n", "second", "offered",
                "sent", "accepted", "refused", "timed out", "p50 ms", "p99 ms", "refusal p99 ms"));
        ArrayNode json = JSON.arrayNode();
        for (int s = 0; s < seconds; s++) {
            Histogram h = delivery[s];
            double rate = schedule.phases().get(schedule.phaseAt(s)).rate();
            table.append(String.format(Locale.ROOT, "  %6d %8.0f %8d %9d %9d %9d %10.1f %10.1f %14.1f%n", s, rate, sent.get(s), accepted.get(s),
                    refused.get(s), timedOut.get(s), LoadReport.ms(h, 50), LoadReport.ms(h, 99), LoadReport.ms(refusal[s], 99)));
            json.add(JSON.objectNode().put("second", s).put("offered", rate).put("sent", sent.get(s))
                    .put("accepted", accepted.get(s)).put("refused", refused.get(s)).put("timedOut", timedOut.get(s))
                    .put("p50", LoadReport.ms(h, 50)).put("p99", LoadReport.ms(h, 99))
                    .put("refusalP99", LoadReport.ms(refusal[s], 99)));
        }
        System.out.print(table);
        report.details.put("perSecond", json);
        for (int p = 0; p < schedule.phases().size(); p++) {
            RateSchedule.Phase phase = schedule.phases().get(p);
            int from = schedule.phaseStart(p);
            long timedOutInPhase = 0;
            for (int s = from; s < from + phase.seconds(); s++) {
                timedOutInPhase += timedOut.get(s);
            }
            ObjectNode summary = JSON.objectNode().put("offered (msg/s)", phase.rate())
                    .put("seconds", phase.seconds()).put("accepted send→delivery p99 (ms)", LoadReport.ms(phaseDelivery[p], 99))
                    .put("accepted send→delivery p50 (ms)", LoadReport.ms(phaseDelivery[p], 50))
                    .put("refused", phaseRefusal[p].getTotalCount())
                    .put("send→refusal p50 (ms)", LoadReport.ms(phaseRefusal[p], 50))
                    .put("send→refusal p99 (ms)", LoadReport.ms(phaseRefusal[p], 99))
                    .put("timed out", timedOutInPhase);
            if (p > 0 && phase.rate() < schedule.phases().get(p - 1).rate()) {
                summary.put("seconds until p99 < " + recoveredBelow + " ms", recoverySeconds(p, recoveredBelow));
            }
            report.facts.put("phase " + (p + 1), summary);
        }
    }
}
