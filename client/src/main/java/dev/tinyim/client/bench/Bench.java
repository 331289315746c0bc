package dev.tinyim.client.bench;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code ./tinyim bench SCENARIO [--option value ...]}: the load generator. Scenarios: {@code connect},
 * {@code p2p}, {@code group}, {@code storm} (see docs/benchmarks.md). Sessions come from {@code ./tinyim seed}
 * ({@code --tokens}); the stack's processes are found through {@code --state} (pid files) and its services'
 * metrics through {@code --services name=url,...}. A live progress line while it runs; a table and a JSON
 * file ({@code --out}) at the end.
 */
public final class Bench {
    private Bench() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            System.err.println("usage: bench connect|p2p|group|storm [--option value ...]  (see docs/benchmarks.md)");
            System.exit(2);
        }
        String scenario = argv[0];
        Args args = new Args(java.util.Arrays.copyOfRange(argv, 1, argv.length));
        Map<String, String> services = new LinkedHashMap<>();
        for (String entry : args.get("services", "").split(",")) {
            if (entry.contains("=")) {
                services.put(entry.substring(0, entry.indexOf('=')), entry.substring(entry.indexOf('=') + 1));
            }
        }
        LoadReport report = new LoadReport(scenario, Path.of(args.get("state", ".tinyim")), services);
        Tokens tokens = Tokens.read(Path.of(args.required("tokens")));
        switch (scenario) {
            case "connect" -> new ConnectScenario(args, tokens, report).run();
            case "p2p" -> new ChatScenario(args, tokens, report, false).run();
            case "group" -> new ChatScenario(args, tokens, report, true).run();
            case "storm" -> new StormScenario(args, tokens, report).run();
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
        }
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        report.finish(Path.of(args.get("out", "client/target/bench/" + scenario + "-" + stamp + ".json")));
        long broken = report.get("lost") + report.get("duplicated") + report.get("clients that did not come back");
        if (broken > 0) {
            System.out.println("  FAILED: " + broken + " lost or duplicated messages, or clients that did not come back");
        }
        System.exit(broken > 0 ? 1 : 0);
    }
}
