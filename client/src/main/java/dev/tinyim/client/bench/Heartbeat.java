package dev.tinyim.client.bench;

import java.time.Duration;
import java.util.Locale;

/**
 * How often the generator's connections ping. PROTOCOL.md asks for at least every 30 s, but a gateway closes a
 * connection silent for its {@code tinyim.gateway.heartbeat-timeout} with 4008, and that can be shorter (the test
 * stack's is 3 s): a generator that pinged every 20 s then lost every connection before it sent, and waited for
 * their results. So the interval is {@code --heartbeat S} (or the scenario's default), but at most a third of the
 * shortest timeout that the gateways in {@code --servers} publish ({@code tinyim_gateway_heartbeat_timeout_seconds}).
 */
final class Heartbeat {
    static final String METRIC = "tinyim_gateway_heartbeat_timeout_seconds";
    private static volatile Double shortestTimeout;

    private Heartbeat() {
    }

    static Duration of(Args args, double defaultSeconds) {
        double wanted = args.decimal("heartbeat", defaultSeconds);
        double timeout = shortestTimeout(args.get("servers", "http://127.0.0.1:8080"));
        double every = timeout > 0 ? Math.min(wanted, timeout / 3) : wanted;
        return Duration.ofMillis(Math.max(100, (long) (every * 1000)));
    }

    /** The shortest heartbeat timeout the gateways publish, in seconds; 0 when none says (read once a process). */
    private static double shortestTimeout(String servers) {
        Double known = shortestTimeout;
        if (known != null) {
            return known;
        }
        double shortest = 0;
        for (String server : servers.split(",")) {
            try {
                double timeout = PrometheusMetrics.sum(server.trim(), METRIC);
                if (timeout > 0 && (shortest == 0 || timeout < shortest)) {
                    shortest = timeout;
                }
            } catch (Exception e) {
                System.out.println("  warning: could not read the heartbeat timeout of " + server + " (" + e.getMessage()
                        + "); pinging as --heartbeat says");
            }
        }
        if (shortest > 0) {
            System.out.printf(Locale.ROOT, "  gateways close silent connections after %.1f s: pinging at least every %.1f s%n",
                    shortest, shortest / 3);
        }
        shortestTimeout = shortest;
        return shortest;
    }
}
