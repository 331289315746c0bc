package dev.tinyim.client.bench;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code ./tinyim bench SCENARIO [--option value ...]}: the load generator. Scenarios: {@code connect},
 * {@code p2p}, {@code group}, {@code storm}, and {@code roundtrip}, the machine's own cost of one loopback hop
 * ({@link RoundTrip}; see docs/history/measurements.md). Sessions come from {@code ./tinyim seed}
 * ({@code --tokens}); the stack's processes are found through {@code --state} (pid files) and its services'
 * metrics through {@code --services name=url,...}. A live progress line while it runs; a table and a JSON
 * file ({@code --out}) at the end.
 */
public final class Bench {
    private Bench() {
    }

    public static void main(String[] argv) {
        try {
            run(argv);
        } catch (IllegalArgumentException usage) {
            System.err.println("bench: " + usage.getMessage());
            System.exit(2);
        } catch (Throwable failure) {
            // the connections' event loops are not daemon threads: without an exit the process would stay
            failure.printStackTrace();
            System.exit(2);
        }
    }

    private static void run(String[] argv) throws Exception {
        if (argv.length == 0) {
            System.err.println("usage: bench connect|p2p|group|storm|roundtrip [--option value ...]  (see docs/performance.md)");
            System.exit(2);
        }
        String scenario = argv[0];
        String[] rest = java.util.Arrays.copyOfRange(argv, 1, argv.length);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        if (scenario.equals("roundtrip")) { // the machine's floor for one hop; needs no stack and no seeded users
            if (RoundTrip.isServe(rest)) {
                RoundTrip.serve(Integer.parseInt(rest[1]));
                System.exit(0);
            }
            Args args = new Args(rest);
            System.exit(RoundTrip.run(args, Path.of(args.get("out", "client/target/bench/roundtrip-" + stamp + ".json"))));
        }
        Args args = new Args(rest);
        Deadline.start(args, scenario);
        Map<String, String> services = new LinkedHashMap<>();
        for (String entry : args.get("services", "").split(",")) {
            if (entry.contains("=")) {
                services.put(entry.substring(0, entry.indexOf('=')), entry.substring(entry.indexOf('=') + 1));
            }
        }
        Tokens tokens = Tokens.read(Path.of(args.required("tokens")));
        if (!args.get("sweep", "").isEmpty()) {
            System.exit(sweep(scenario, args, tokens, services, stamp));
        }
        LoadReport report = new LoadReport(scenario, Path.of(args.get("state", ".tinyim")), services);
        switch (scenario) {
            case "connect" -> new ConnectScenario(args, tokens, report).run();
            case "p2p" -> new ChatScenario(args, tokens, report, false).run();
            case "group" -> new ChatScenario(args, tokens, report, true).run();
            case "storm" -> new StormScenario(args, tokens, report).run();
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
        }
        report.finish(Path.of(args.get("out", "client/target/bench/" + scenario + "-" + stamp + ".json")));
        System.exit(broken(report) > 0 ? 1 : 0);
    }

    private static long broken(LoadReport report) {
        long broken = report.get("lost") + report.get("duplicated") + report.get("clients that did not come back") + report.get("seq gaps");
        if (broken > 0) {
            System.out.println("  FAILED: " + broken + " lost or duplicated messages, seq gaps, or clients that did not come back");
        }
        return broken;
    }

    /**
     * {@code --sweep R1,R2,...} (p2p or group): one run per offered rate, one after the other, each with its own
     * table and JSON; then a summary table, a JSON of the curve and its chart (SVG) next to it.
     */
    private static int sweep(String scenario, Args args, Tokens tokens, Map<String, String> services, String stamp) throws Exception {
        if (!scenario.equals("p2p") && !scenario.equals("group")) {
            throw new IllegalArgumentException("--sweep is for p2p and group");
        }
        java.util.List<SweepChart.Point> points = new java.util.ArrayList<>();
        StringBuilder rows = new StringBuilder();
        long broken = 0;
        Path out = Path.of(args.get("out", "client/target/bench/" + scenario + "-" + stamp + ".json"));
        for (String rate : args.get("sweep", "").split(",")) {
            Args run = args.with("rate", rate.trim());
            LoadReport report = new LoadReport(scenario, Path.of(args.get("state", ".tinyim")), services);
            new ChatScenario(run, tokens, report, scenario.equals("group")).run();
            report.finish(out.resolveSibling(out.getFileName().toString().replace(".json", "-" + rate.trim() + ".json")));
            broken += broken(report);
            double delivered = Double.parseDouble(String.valueOf(report.facts.get("achieved send rate (msg/s)")));
            SweepChart.Point p = new SweepChart.Point(Double.parseDouble(rate), delivered, report.millis("send→delivery", 50),
                    report.millis("send→delivery", 99), report.errorCount());
            points.add(p);
            rows.append(String.format(java.util.Locale.ROOT, "  %8.0f %10.0f %10.1f %10.1f %9d %12.3f%n", p.offered(), p.delivered(),
                    p.p50(), p.p99(), p.errors(), report.serverCpuPerItem()));
        }
        System.out.printf("%n== %s sweep ==%n  %8s %10s %10s %10s %9s %12s%n%s", scenario, "offered", "delivered", "p50 ms",
                "p99 ms", "refused", "server CPU ms/msg", rows);
        Path svg = out.resolveSibling(out.getFileName().toString().replace(".json", "-sweep.svg"));
        java.nio.file.Files.writeString(svg, SweepChart.svg("TinyIM " + scenario + ": delivered rate and send→delivery latency, "
                + stamp, points));
        java.nio.file.Files.writeString(out.resolveSibling(out.getFileName().toString().replace(".json", "-sweep.json")),
                new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(points));
        System.out.println("  chart: " + svg);
        return broken > 0 ? 1 : 0;
    }
}
