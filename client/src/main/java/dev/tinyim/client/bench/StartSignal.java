package dev.tinyim.client.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * {@code --ready-file R --go-file G}: several load generators start their measured runs together. Each one,
 * once connected (and warmed up), creates R and waits until G exists; the caller (./tinyim faults) creates G when
 * every generator is ready, so that a fault at second S falls at second S of each one's run, however long
 * each took to log in. Without the options a run starts at once.
 */
final class StartSignal {
    private static final long MAX_WAIT_MINUTES = 10;

    private StartSignal() {
    }

    static void await(Args args) throws IOException, InterruptedException {
        String ready = args.get("ready-file", "");
        String go = args.get("go-file", "");
        if (!ready.isEmpty()) {
            Files.writeString(Path.of(ready), Long.toString(ProcessHandle.current().pid()));
        }
        if (go.isEmpty()) {
            return;
        }
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(MAX_WAIT_MINUTES);
        while (!Files.exists(Path.of(go))) {
            if (System.nanoTime() > until) {
                throw new IllegalStateException("--go-file " + go + " did not appear within " + MAX_WAIT_MINUTES + " minutes");
            }
            Thread.sleep(20);
        }
    }
}
