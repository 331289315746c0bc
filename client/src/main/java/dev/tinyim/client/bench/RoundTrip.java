package dev.tinyim.client.bench;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code ./tinyim bench roundtrip [--rate 1000] [--duration 20] [--size 100]}: what this machine charges for one bare
 * request and answer over loopback TCP between two processes, with no server code at all: this process sends
 * {@code size} bytes at {@code rate} a second, one at a time, to a second JVM that writes them back. Each side pays
 * a system call to write, a wake-up and a system call to read; the CPU both processes used per round trip (from
 * /proc) is the floor under every hop of the stack (a WebSocket command, a gRPC call, a query), measured on this
 * machine rather than assumed (docs/history/measurements.md). Needs no running stack.
 */
final class RoundTrip {
    private static final String SERVE = "--serve";

    private RoundTrip() {
    }

    /** The echo side, started by {@link #run} as a child JVM: prints its port, then answers one connection. */
    static void serve(int size) throws IOException {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setSoTimeout(60_000); // a sender that died before connecting does not leave this process behind
            System.out.println(listener.getLocalPort());
            System.out.flush();
            try (Socket s = listener.accept()) {
                s.setTcpNoDelay(true);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[size];
                while (in.readNBytes(buf, 0, size) == size) {
                    out.write(buf);
                    out.flush();
                }
            }
        }
    }

    static boolean isServe(String[] argv) {
        return argv.length == 2 && argv[0].equals(SERVE);
    }

    static int run(Args args, Path out) throws Exception {
        int rate = args.integer("rate", 1000);
        int seconds = args.integer("duration", 20);
        int size = args.integer("size", 100);
        if (rate < 1 || seconds < 1 || size < 1 || size > 65_536) {
            throw new IllegalArgumentException("roundtrip needs --rate >= 1, --duration >= 1 and --size 1..65536");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        Process echo = new ProcessBuilder(java, "-XX:+UseSerialGC", "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                Bench.class.getName(), "roundtrip", SERVE, String.valueOf(size))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(echo.getInputStream(), StandardCharsets.UTF_8));
            String port = lines.readLine();
            if (port == null) {
                throw new IllegalStateException("the echo process did not start");
            }
            return measure(Integer.parseInt(port.trim()), echo.pid(), rate, seconds, size, out);
        } finally {
            echo.destroy();
            echo.waitFor(5, TimeUnit.SECONDS);
        }
    }

    private static int measure(int port, long echoPid, int rate, int seconds, int size, Path out) throws IOException {
        Map<String, Long> pids = new LinkedHashMap<>();
        pids.put("echo", echoPid);
        pids.put("sender", ProcessHandle.current().pid());
        long n = (long) rate * seconds;
        long[] micros = new long[(int) Math.min(n, Integer.MAX_VALUE - 8)];
        Map<String, ProcessStats.Sample> before;
        Map<String, ProcessStats.Sample> after;
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            OutputStream o = s.getOutputStream();
            byte[] buf = new byte[size];
            for (int i = 0; i < Math.max(2_000, rate * 2); i++) { // both JITs compile the loop first
                o.write(buf);
                o.flush();
                in.readNBytes(buf, 0, size);
            }
            before = ProcessStats.sample(pids);
            long start = System.nanoTime();
            for (int i = 0; i < micros.length; i++) {
                long due = start + i * 1_000_000_000L / rate;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                long sent = System.nanoTime();
                o.write(buf);
                o.flush();
                if (in.readNBytes(buf, 0, size) < size) {
                    throw new IOException("the echo process closed the connection");
                }
                micros[i] = (System.nanoTime() - sent) / 1_000;
            }
            after = ProcessStats.sample(pids);
        }
        Arrays.sort(micros);
        double echoCpu = perTrip(after.get("echo").cpuSeconds() - before.get("echo").cpuSeconds(), micros.length);
        double senderCpu = perTrip(after.get("sender").cpuSeconds() - before.get("sender").cpuSeconds(), micros.length);
        double echoWakeups = (after.get("echo").wakeups() - before.get("echo").wakeups()) / (double) micros.length;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("round trips", micros.length);
        result.put("rate", rate);
        result.put("bytes each way", size);
        result.put("echo CPU ms per round trip (read, write, one wake-up)", round(echoCpu));
        result.put("sender CPU ms per round trip (write, read, its wake-ups, pacing)", round(senderCpu));
        result.put("both, ms per round trip", round(echoCpu + senderCpu));
        result.put("echo wake-ups per round trip", round(echoWakeups));
        result.put("round trip p50 microseconds", micros[micros.length / 2]);
        result.put("round trip p99 microseconds", micros[(int) Math.min(micros.length - 1, Math.round(micros.length * 0.99))]);
        System.out.printf("%n== roundtrip: %,d bare loopback round trips of %d bytes between two processes, %d a second ==%n",
                micros.length, size, rate);
        result.forEach((k, v) -> System.out.printf("  %-66s %s%n", k, v));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result));
        System.out.println("  JSON: " + out);
        return 0;
    }

    private static double perTrip(double cpuSeconds, long trips) {
        return cpuSeconds * 1_000 / trips;
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }
}
