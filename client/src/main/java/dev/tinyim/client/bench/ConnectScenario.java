package dev.tinyim.client.bench;


import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code connect}: opens N authenticated connections to one gateway at a ramp rate, holds them with heartbeats,
 * measures ping round trips while they are held, and the gateway's heap per connection (heap after a full GC,
 * before and after). Beyond {@code --per-source} connections (25,000 by default) the sockets are spread over more
 * loopback source addresses (127.0.0.1, 127.0.0.2, ...), as one source address has only so many ephemeral ports.
 */
final class ConnectScenario {
    private final Args args;
    private final Tokens tokens;
    private final LoadReport report;

    ConnectScenario(Args args, Tokens tokens, LoadReport report) {
        this.args = args;
        this.tokens = tokens;
        this.report = report;
    }

    void run() throws Exception {
        int offset = args.integer("offset", 0); // several generator processes: each takes its own slice of the tokens
        int n = args.atMost("connections", tokens.entries().size() - offset, tokens.entries().size() - offset,
                "./tinyim seed --users N");
        int ramp = args.integer("ramp", 500);
        int hold = args.integer("hold", 30);
        String ws = args.get("ws", "ws://127.0.0.1:8080/ws");
        String http = ws.replace("ws://", "http://").replace("/ws", "");
        String gatewayPid = args.get("gateway-pid", "");
        Duration heartbeat = Heartbeat.of(args, 30);
        int perSource = args.integer("per-source", 25_000);
        String probe = args.get("probe", "ping");
        int probeRate = args.integer("probe-rate", 200);
        if (!probe.equals("ping") && !probe.equals("user.get")) {
            throw new IllegalArgumentException("--probe takes ping or user.get");
        }
        boolean compression = args.bool("compression", true);
        // --probe-window FROM:TO: probe only between these seconds after the start, e.g. while another process's
        // load runs and after every process's ramp; default: the whole hold
        String windowArg = args.get("probe-window", "");
        String[] window = (windowArg.isEmpty() ? "0:" + Integer.MAX_VALUE : windowArg).split(":");
        long probeFrom = (long) (Double.parseDouble(window[0]) * 1e9);
        long probeTo = (long) Math.min(Double.parseDouble(window[1]) * 1e9, Long.MAX_VALUE / 2);
        List<String> sources = new ArrayList<>();
        int sourceBase = args.integer("source-base", 1); // several processes: give each its own addresses
        for (int i = 0; i <= (n - 1) / perSource; i++) {
            sources.add("127.0.0." + (sourceBase + i));
        }
        report.facts.put("connections wanted", n);
        report.facts.put("ramp (per second)", ramp);
        report.facts.put("source addresses", sources.size());
        long heapBefore = heapAfterFullGc(gatewayPid, http);

        List<LoadSession> open = new CopyOnWriteArrayList<>();
        Semaphore inFlight = new Semaphore(400);
        long start = System.nanoTime();
        Thread progress = progress(n, open);
        for (int i = 0; i < n; i++) {
            long due = start + (long) (i * 1e9 / ramp);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            inFlight.acquire();
            Tokens.Entry t = tokens.entries().get(offset + i);
            long began = System.nanoTime();
            LoadSession.openOnce(sources.get(i / perSource), ws, t.token(), compression).subscribe().with(session -> {
                report.histogram("connect+auth").recordValue((System.nanoTime() - began) / 1000);
                open.add(session.keepAlive(heartbeat));
                inFlight.release();
            }, failure -> {
                report.error(failure.getClass().getSimpleName() + ": " + String.valueOf(failure.getMessage()).replaceAll("[0-9]+", "N"));
                inFlight.release();
            });
        }
        inFlight.acquire(400);
        report.facts.put("seconds to open", String.format("%.1f", (System.nanoTime() - start) / 1e9));
        report.add("connections open", open.size());

        // hold: --probe-rate commands a second (ping, or user.get of a random user), each from a random connection,
        // spread evenly over the second; the processes' CPU over the hold is reported per probe
        long holdUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(hold);
        report.facts.put("probe", probe + " at " + probeRate + "/s" + (!windowArg.isEmpty()
                ? ", from " + window[0] + " to " + window[1] + " s after the start" : ""));
        while (System.nanoTime() < Math.min(holdUntil, start + probeFrom)) {
            Thread.sleep(100);
        }
        report.windowStart();
        long probes = probeOnEventLoops(open, probe, probeRate, Math.min(holdUntil, start + probeTo));
        report.windowEnd(probes, probe);
        while (System.nanoTime() < holdUntil) {
            Thread.sleep(100);
        }
        long closed = open.stream().filter(LoadSession::isClosed).count();
        report.add("closed during hold", closed);
        long heapAfter = heapAfterFullGc(gatewayPid, http);
        if (heapBefore > 0 && heapAfter > 0 && !open.isEmpty()) {
            report.facts.put("gateway heap before (MB)", heapBefore / (1 << 20));
            report.facts.put("gateway heap after (MB)", heapAfter / (1 << 20));
            report.facts.put("heap per connection (KB)", String.format("%.2f", (heapAfter - heapBefore) / 1024.0 / (open.size() - closed)));
        }
        progress.interrupt();
    }

    /**
     * {@code rate} probes a second until {@code until} (nanoTime), each from a random connection, spread evenly:
     * a 1 ms timer on each event loop of the generator (the loops' timers staggered) sends its share from the
     * connections that loop owns, so a probe costs the generator no hand-off between threads (a probe thread
     * handing each to a loop cost it three times what the probe cost the server). Answers the number sent.
     */
    private long probeOnEventLoops(List<LoadSession> open, String probe, int rate, long until) throws InterruptedException {
        java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        LoadSession.atRateOnTheirLoops(open, s -> s, rate, until, s -> {
            var data = probe.equals("ping") ? null : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                    .put("userId", Long.toString(tokens.entries().get(ThreadLocalRandom.current().nextInt(tokens.entries().size())).userId()));
            long at = System.nanoTime();
            s.command(probe, data).subscribe().with(
                    ok -> report.histogram(probe).recordValue((System.nanoTime() - at) / 1000),
                    failure -> report.error(probe + " " + LoadReport.codeOf(failure)));
            sent.incrementAndGet();
        }).await();
        return sent.get();
    }

    private Thread progress(int n, List<LoadSession> open) {
        Thread t = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                var h = report.histogram("connect+auth");
                System.out.printf("\r  %6.0fs  open %,d / %,d  errors %s  connect p99 %.1f ms   ", report.elapsedSeconds(), open.size(), n,
                        report.errors.values().stream().mapToLong(java.util.concurrent.atomic.AtomicLong::get).sum(),
                        h.getValueAtPercentile(99) / 1000.0);
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "progress");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Runs a full GC in the gateway (jcmd) and reads its heap in use from its metrics; -1 when it cannot. */
    static long heapAfterFullGc(String pid, String gatewayHttp) {
        if (pid.isEmpty()) {
            return -1;
        }
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), pid, "GC.run")
                    .redirectErrorStream(true).start();
            jcmd.getInputStream().readAllBytes();
            jcmd.waitFor(60, TimeUnit.SECONDS);
            return (long) PrometheusMetrics.sum(gatewayHttp, "jvm_memory_used_bytes{area=\"heap\"");
        } catch (Exception e) {
            return -1;
        }
    }
}
