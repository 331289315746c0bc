package dev.tinyim.client.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The offered rate over a run: {@code --rate R --duration S}, or phases {@code --phases R1:S1,R2:S2,...}
 * (e.g. {@code 8000:30,1000:15}: twice the sustainable rate for 30 s, then a normal one for 15 s).
 */
record RateSchedule(List<Phase> phases) {
    record Phase(double rate, int seconds) {
    }

    static RateSchedule of(Args args) {
        String spec = args.get("phases", "");
        if (spec.isEmpty()) {
            return new RateSchedule(List.of(new Phase(args.decimal("rate", 1000), args.integer("duration", 30))));
        }
        List<Phase> phases = new ArrayList<>();
        for (String part : spec.split(",")) {
            String[] f = part.trim().split(":");
            if (f.length != 2) {
                throw new IllegalArgumentException("--phases takes RATE:SECONDS,..., got " + part);
            }
            phases.add(new Phase(Double.parseDouble(f[0]), Integer.parseInt(f[1])));
        }
        return new RateSchedule(List.copyOf(phases));
    }

    int seconds() {
        return phases.stream().mapToInt(Phase::seconds).sum();
    }

    long total() {
        return (long) due(seconds());
    }

    /** Messages due from the start until {@code elapsed} seconds. */
    double due(double elapsed) {
        double due = 0;
        double from = 0;
        for (Phase p : phases) {
            double in = Math.min(Math.max(elapsed - from, 0), p.seconds());
            due += in * p.rate();
            from += p.seconds();
        }
        return due;
    }

    /** The phase second {@code s} (from the start) belongs to. */
    int phaseAt(int second) {
        int from = 0;
        for (int i = 0; i < phases.size(); i++) {
            from += phases.get(i).seconds();
            if (second < from) {
                return i;
            }
        }
        return phases.size() - 1;
    }

    int phaseStart(int phase) {
        return phases.subList(0, phase).stream().mapToInt(Phase::seconds).sum();
    }

    /** The highest rate of the run (what the per-connection warning and the report name). */
    double peak() {
        return phases.stream().mapToDouble(Phase::rate).max().orElse(0);
    }
}
