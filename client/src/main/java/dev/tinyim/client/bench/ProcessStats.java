package dev.tinyim.client.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * RSS, CPU time and wake-ups of the stack's processes (pid files under STATE/run) and of this load generator, from
 * /proc.
 */
final class ProcessStats {
    static final String LOAD_GENERATOR = "load-generator";

    /**
     * {@code wakeups}: voluntary context switches summed over the process's threads, i.e. how often a thread went to
     * sleep waiting (for the network, a lock, a timer) and was woken again; a thread that ended meanwhile is not
     * counted. Most of a small command's cost here is the wake-up, not the work (docs/history/measurements.md).
     */
    record Sample(long rssKb, double cpuSeconds, long wakeups) {
    }

    /** Heap in use after a full GC (-1 when the process is no JVM or cannot be asked) and RSS, both in KB. */
    record Memory(long pid, long heapKb, long rssKb) {
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
                samples.put(name, new Sample(rss, cpu, wakeups(pid)));
            } catch (IOException | RuntimeException e) {
                samples.put(name, new Sample(-1, -1, -1));
            }
        });
        return samples;
    }

    private static long wakeups(long pid) throws IOException {
        long sum = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:")) {
                            sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException ended) {
                    // the thread ended between the listing and the read
                }
            }
        }
        return sum;
    }

    /**
     * Every process of the stack: its heap after a full GC ({@code jcmd PID GC.run}, then {@code GC.heap_info}'s
     * "used") when it is a JVM, and its RSS. The load generator itself is left out.
     */
    static Map<String, Memory> memory(Path state) throws IOException {
        Map<String, Memory> memory = new LinkedHashMap<>();
        for (Map.Entry<String, Long> p : pids(state).entrySet()) {
            if (p.getKey().equals(LOAD_GENERATOR)) {
                continue;
            }
            Sample s = sample(Map.of(p.getKey(), p.getValue())).get(p.getKey());
            memory.put(p.getKey(), new Memory(p.getValue(), heapAfterFullGcKb(p.getValue()), s.rssKb()));
        }
        return memory;
    }

    /** "chat 41 -> 43 / 455 -> 460; gateway-1 (restarted) ...": one entry per process, in MB. */
    static String describeGrowth(Map<String, Memory> before, Map<String, Memory> after) {
        StringBuilder out = new StringBuilder();
        after.forEach((name, a) -> {
            Memory b = before.get(name);
            if (b == null) {
                return;
            }
            out.append(out.isEmpty() ? "" : "; ").append(name).append(b.pid() == a.pid() ? "" : " (restarted)").append(' ');
            if (a.heapKb() >= 0 && b.heapKb() >= 0) {
                out.append(b.heapKb() / 1024).append(" -> ").append(a.heapKb() / 1024).append(" / ");
            }
            out.append(b.rssKb() / 1024).append(" -> ").append(a.rssKb() / 1024);
        });
        return out.toString();
    }

    private static long heapAfterFullGcKb(long pid) {
        try {
            if (!Files.readString(Path.of("/proc/" + pid + "/comm")).trim().equals("java")) {
                return -1;
            }
            jcmd(pid, "GC.run");
            // G1: " garbage-first heap   total reserved 786432K, committed 786432K, used 52314K [0x..."
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("heap[^\\n]*?used (\\d+)K").matcher(jcmd(pid, "GC.heap_info"));
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String jcmd(long pid, String command) throws IOException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid), command)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }
}
