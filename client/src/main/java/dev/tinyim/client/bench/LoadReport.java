package dev.tinyim.client.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinyim.client.TinyImException;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a run measured: latency histograms (microseconds, HdrHistogram), counters, errors by code, RSS and CPU of
 * every process, GC pauses of the services; printed as a table and written as JSON.
 */
final class LoadReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    final String scenario;
    /** Insertion-ordered for the table; filled by the progress line and the senders' callbacks at once. */
    final Map<String, Histogram> latencies = Collections.synchronizedMap(new LinkedHashMap<>());
    final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
    final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
    final Map<String, Object> facts = new LinkedHashMap<>();
    /** Written to the JSON only (too long for the table, e.g. a per-second series). */
    final Map<String, Object> details = new LinkedHashMap<>();
    private final Map<String, Long> pids;
    private final Path state;
    private final Map<String, String> services;
    private final Map<String, ProcessStats.Sample> before;
    private final Map<String, Double> gcBefore;
    private final long startedNanos = System.nanoTime();
    private Map<String, ProcessStats.Sample> windowStart = Map.of();
    private final Map<String, Double> cpuPerItemMillis = new LinkedHashMap<>();
    private final Map<String, Double> wakeupsPerItem = new LinkedHashMap<>();
    private String cpuPerItemUnit;
    /** The JSON name of the per-item CPU figures, e.g. {@code cpuMillisPerMsg}. */
    private String cpuPerItemKey;
    private String wakeupsPerItemKey;

    LoadReport(String scenario, Path state, Map<String, String> services) throws Exception {
        this.scenario = scenario;
        this.state = state;
        this.pids = ProcessStats.pids(state);
        this.services = services;
        this.before = ProcessStats.sample(pids);
        this.gcBefore = gcPauses();
    }

    /** The stack's state directory (pid files under run/). */
    Path state() {
        return state;
    }

    Histogram histogram(String name) {
        return latencies.computeIfAbsent(name, n -> new ConcurrentHistogram(3_600_000_000L, 3));
    }

    void count(String name) {
        add(name, 1);
    }

    void add(String name, long n) {
        counters.computeIfAbsent(name, k -> new AtomicLong()).addAndGet(n);
    }

    long get(String name) {
        AtomicLong c = counters.get(name);
        return c == null ? 0 : c.get();
    }

    void error(String code) {
        errors.computeIfAbsent(code, k -> new AtomicLong()).incrementAndGet();
    }

    /** A failed command, counted by its PROTOCOL.md error code, or by the exception type when it has none. */
    void failed(Throwable failure) {
        error(codeOf(failure));
    }

    /** The PROTOCOL.md error code of a failed command, {@link LoadSession#TIMED_OUT}, or the exception's type. */
    static String codeOf(Throwable failure) {
        return failure instanceof TinyImException e ? e.code() : failure.getClass().getSimpleName();
    }

    /**
     * Lost and duplicated messages: for every acknowledged message (msgId -> the users it must reach), the copies
     * in each recipient's view (user -> msgId -> copies). Recipients without a view are not checked.
     */
    void tallyDeliveries(Map<String, long[]> acknowledged, Map<Long, Map<String, Integer>> seen) {
        long checked = 0;
        long lost = 0;
        long duplicated = 0;
        for (Map.Entry<String, long[]> a : acknowledged.entrySet()) {
            for (long user : a.getValue()) {
                Map<String, Integer> view = seen.get(user);
                if (view != null) {
                    int copies = view.getOrDefault(a.getKey(), 0);
                    checked++;
                    lost += copies == 0 ? 1 : 0;
                    duplicated += Math.max(0, copies - 1);
                }
            }
        }
        add("timeline entries checked", checked);
        add("lost", lost);
        add("duplicated", duplicated);
    }

    /** Starts the steady-state window (e.g. while messages are sent), whose CPU is reported per item. */
    void windowStart() {
        windowStart = ProcessStats.sample(pids);
    }

    /** Ends the window: each process's CPU and wake-ups in it, divided by {@code items} (e.g. messages sent). */
    void windowEnd(long items, String unit) {
        Map<String, ProcessStats.Sample> end = ProcessStats.sample(pids);
        end.forEach((name, e) -> {
            ProcessStats.Sample s = windowStart.get(name);
            if (s != null && e.rssKb() >= 0 && items > 0) {
                cpuPerItemMillis.put(name, (e.cpuSeconds() - s.cpuSeconds()) * 1000 / items);
                // fewer than at the start: threads ended in the window and took their counts along (MariaDB's do)
                long wakeups = e.wakeups() - s.wakeups();
                wakeupsPerItem.put(name, wakeups < 0 || s.wakeups() < 0 ? Double.NaN : (double) wakeups / items);
            }
        });
        cpuPerItemUnit = unit;
        cpuPerItemKey = perUnit("cpuMillis", unit);
        wakeupsPerItemKey = perUnit("wakeups", unit);
    }

    /** A report key for a quantity per item: {@code perUnit("wakeups", "message")} is {@code wakeupsPerMessage}. */
    private static String perUnit(String quantity, String unit) {
        return quantity + "Per" + Character.toUpperCase(unit.charAt(0)) + unit.substring(1);
    }

    double elapsedSeconds() {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    /** Prints the final table and writes the JSON file; returns its path. */
    Path finish(Path out) throws Exception {
        Map<String, ProcessStats.Sample> after = ProcessStats.sample(pids);
        Map<String, Double> gcAfter = gcPauses();
        ObjectNode json = JSON.createObjectNode().put("scenario", scenario).put("seconds", round(elapsedSeconds()));
        ObjectNode factsJson = json.putObject("facts");
        facts.forEach((k, v) -> factsJson.putPOJO(k, v));
        details.forEach(json::putPOJO);
        ObjectNode countersJson = json.putObject("counters");
        counters.forEach((k, v) -> countersJson.put(k, v.get()));
        ObjectNode errorsJson = json.putObject("errors");
        errors.forEach((k, v) -> errorsJson.put(k, v.get()));

        StringBuilder table = new StringBuilder("\n== " + scenario + " (" + round(elapsedSeconds()) + " s) ==\n");
        facts.forEach((k, v) -> table.append(String.format("  %-34s %s%n", k, v)));
        counters.forEach((k, v) -> table.append(String.format("  %-34s %,d%n", k, v.get())));
        table.append(String.format("  %-34s %s%n", "errors", errors.isEmpty() ? "none" : errors));
        table.append(String.format("%n  %-22s %9s %9s %9s %9s %9s %9s%n", "latency (ms)", "count", "p50", "p90", "p99", "p99.9", "max"));
        ObjectNode latencyJson = json.putObject("latencyMillis");
        latencies.forEach((name, h) -> {
            table.append(String.format("  %-22s %9d %9.2f %9.2f %9.2f %9.2f %9.2f%n", name, h.getTotalCount(), ms(h, 50), ms(h, 90),
                    ms(h, 99), ms(h, 99.9), h.getMaxValue() / 1000.0));
            latencyJson.putObject(name).put("count", h.getTotalCount()).put("p50", ms(h, 50)).put("p90", ms(h, 90))
                    .put("p99", ms(h, 99)).put("p99.9", ms(h, 99.9)).put("max", h.getMaxValue() / 1000.0);
        });
        String perItem = cpuPerItemUnit == null ? "" : String.format("%-28s %s", "CPU ms/" + cpuPerItemUnit + " (while sending)",
                "wake-ups/" + cpuPerItemUnit);
        table.append(String.format("%n  %-18s %10s %10s %12s  %s%n", "process", "RSS MB", "CPU s", "GC pause ms", perItem));
        ObjectNode processes = json.putObject("processes");
        after.forEach((name, a) -> {
            if (a.rssKb() < 0) {
                table.append(String.format("  %-18s %10s%n", name, "restarted during the run (no figures)"));
                return;
            }
            ProcessStats.Sample b = before.get(name);
            double cpu = a.cpuSeconds() - (b == null ? 0 : b.cpuSeconds());
            Double gc = gcAfter.containsKey(name) ? (gcAfter.get(name) - gcBefore.getOrDefault(name, 0.0)) * 1000 : null;
            Double itemCpu = cpuPerItemMillis.get(name);
            Double itemWakeups = wakeupsPerItem.get(name);
            table.append(String.format("  %-18s %10.1f %10.2f %12s  %s%n", name, a.rssKb() / 1024.0, cpu, gc == null ? "-" : String.format("%.1f", gc),
                    itemCpu == null ? "" : String.format("%-28.3f %s", itemCpu, itemWakeups.isNaN() ? "-" : String.format("%.2f", itemWakeups))));
            ObjectNode p = processes.putObject(name).put("rssMb", round(a.rssKb() / 1024.0)).put("cpuSeconds", round(cpu));
            if (itemCpu != null) {
                p.put(cpuPerItemKey, round3(itemCpu));
                if (!itemWakeups.isNaN()) {
                    p.put(wakeupsPerItemKey, round3(itemWakeups));
                }
            }
            if (gc != null) {
                p.put("gcPauseMillis", round(gc));
            }
        });
        if (!cpuPerItemMillis.isEmpty()) {
            double sum = cpuPerItemMillis.values().stream().mapToDouble(Double::doubleValue).sum();
            double servers = serverCpuPerItem();
            table.append(String.format("  %-18s %10s %10s %12s  %.3f%n", "server processes", "", "", "", servers));
            table.append(String.format("  %-18s %10s %10s %12s  %.3f%n", "all processes", "", "", "", sum));
            json.put(cpuPerItemKey + "ServerProcesses", round3(servers));
            json.put(cpuPerItemKey + "AllProcesses", round3(sum));
        }
        System.out.print(table);
        Files.createDirectories(out.getParent());
        Files.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
        System.out.println("\n  JSON: " + out);
        return out;
    }

    /** CPU per item summed over the stack's processes, the load generator left out. */
    double serverCpuPerItem() {
        return cpuPerItemMillis.entrySet().stream().filter(e -> !e.getKey().equals(ProcessStats.LOAD_GENERATOR))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    /** A latency percentile in milliseconds, 0 for a histogram never recorded. */
    double millis(String histogram, double percentile) {
        Histogram h = latencies.get(histogram);
        return h == null ? 0 : ms(h, percentile);
    }

    long errorCount() {
        return errors.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /** Total GC pause seconds of each service, from its Prometheus metrics. */
    private Map<String, Double> gcPauses() {
        Map<String, Double> pauses = new LinkedHashMap<>();
        services.forEach((name, url) -> {
            try {
                pauses.put(name, PrometheusMetrics.sum(url, "jvm_gc_pause_seconds_sum"));
            } catch (Exception e) {
                // a service that does not answer has no GC figure in the report
            }
        });
        return pauses;
    }

    /** A percentile of a microsecond histogram, in milliseconds. */
    static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1000.0;
    }

    /**
     * CPU per item to a microsecond: /proc counts CPU in 10 ms ticks, so over a 20 s window of 20,000 items the
     * figure is good to about 0.0005 ms, and two decimals hid whether a ping cost 0.045 or 0.055 ms.
     */
    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
