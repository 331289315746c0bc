package dev.tinyim.client.bench;

import java.util.concurrent.TimeUnit;

/**
 * {@code --deadline S} (default 1,800): a run still going after S seconds says so and ends the process with exit
 * code 3, whatever it waits for. The launcher gives each of its own runs (the warm-up of {@code up}) a tight one, so
 * that nothing it starts can hang.
 */
final class Deadline {
    static final int EXIT_CODE = 3;

    private Deadline() {
    }

    static void start(Args args, String scenario) {
        long seconds = (long) args.decimal("deadline", 1800);
        if (seconds <= 0) {
            throw new IllegalArgumentException("--deadline takes a positive number of seconds");
        }
        Thread watchdog = new Thread(() -> {
            try {
                TimeUnit.SECONDS.sleep(seconds);
            } catch (InterruptedException e) {
                return;
            }
            String message = "bench " + scenario + ": stopped at its deadline of " + seconds
                    + " s (--deadline); its results are incomplete";
            System.out.println();
            System.out.println("  FAILED: " + message);
            System.err.println(message);
            System.out.flush();
            // halt, not exit: nothing this run waits for (a connection, a shutdown hook) may keep it alive
            Runtime.getRuntime().halt(EXIT_CODE);
        }, "deadline");
        watchdog.setDaemon(true);
        watchdog.start();
    }
}
