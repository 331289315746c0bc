package dev.tinyim.client.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/** RSS and CPU time of the stack's processes (pid files under STATE/run) and of this load generator, from /proc. */
final class ProcessStats {
    static final String LOAD_GENERATOR = "load-generator";

    record Sample(long rssKb, double cpuSeconds) {
    }

    private static final double TICKS = 100.0; // USER_HZ on Linux

    private ProcessStats() {
    }

    static Map<String, Long> pids(Path state) throws IOException {
        Map<String, Long> pids = new LinkedHashMap<>();
        Path run = state.resolve("run");
        if (Files.isDirectory(run)) {
            try (Stream<Path> files = Files.list(run)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".pid")).sorted().toList()) {
                    pids.put(f.getFileName().toString().replace(".pid", ""), Long.parseLong(Files.readString(f).trim()));
                }
            }
        }
        pids.put(LOAD_GENERATOR, ProcessHandle.current().pid());
        return pids;
    }

    static Map<String, Sample> sample(Map<String, Long> pids) {
        Map<String, Sample> samples = new LinkedHashMap<>();
        pids.forEach((name, pid) -> {
            try {
                long rss = 0;
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    }
                }
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                double cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS; // utime, stime
                samples.put(name, new Sample(rss, cpu));
            } catch (IOException | RuntimeException e) {
                samples.put(name, new Sample(-1, -1));
            }
        });
        return samples;
    }
}
