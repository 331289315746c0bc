package dev.tinyim.client.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinyim.client.ReconnectingSession;
import dev.tinyim.client.TinyImClient;
import dev.tinyim.client.TinyImException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code storm}: N users in friend pairs on {@link ReconnectingSession}s (spread over the gateways by dispatch)
 * send at rate R; after a warm-up one gateway is restarted (SIGTERM, then started again). Measures the time
 * from SIGTERM until each of its clients is connected elsewhere and synced, and checks that every
 * acknowledged message reached both timelines' deliveries exactly once.
 */
final class StormScenario {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Args args;
    private final Tokens tokens;
    private final LoadReport report;
    /** user id -> msgIds delivered to that user's session, with their count. */
    private final Map<Long, Map<String, Integer>> delivered = new ConcurrentHashMap<>();
    private final Map<String, long[]> acknowledged = new ConcurrentHashMap<>();

    StormScenario(Args args, Tokens tokens, LoadReport report) {
        this.args = args;
        this.tokens = tokens;
        this.report = report;
    }

    void run() throws Exception {
        int n = Math.min(args.integer("users", 200), tokens.onePerUser().size()) / 2 * 2;
        double rate = args.decimal("rate", 50);
        int warmup = args.integer("warmup", 5);
        String restart = args.get("restart", "gateway-1");
        String launcher = args.required("launcher");
        TinyImClient rest = new TinyImClient(args.get("server", "http://127.0.0.1:8080"));
        List<Tokens.Entry> users = tokens.onePerUser().subList(0, n);
        List<ReconnectingSession> sessions = new ArrayList<>();
        for (Tokens.Entry u : users) {
            ReconnectingSession s = ReconnectingSession.create(rest, u.token(), lastSeq(rest, u),
                    Duration.ofMillis((long) (args.decimal("heartbeat", 20) * 1000)));
            Map<String, Integer> mine = new ConcurrentHashMap<>();
            delivered.put(u.userId(), mine);
            s.messages().subscribe().with(m -> mine.merge(m.get("msgId").asText(), 1, Integer::sum));
            sessions.add(s);
        }
        for (ReconnectingSession s : sessions) {
            s.start().await().atMost(Duration.ofSeconds(30));
        }
        String restartedUrl = null;
        List<Integer> onRestarted = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (sessions.get(i).url().contains(":" + port(restart, args) + "/")) {
                onRestarted.add(i);
                restartedUrl = sessions.get(i).url();
            }
        }
        report.facts.put("clients", n);
        report.facts.put("clients on " + restart, onRestarted.size());
        report.facts.put("offered rate (msg/s)", rate);

        Thread load = new Thread(() -> sendLoop(sessions, users, rate));
        load.setDaemon(true);
        load.start();
        Thread.sleep(warmup * 1000L);
        Map<Integer, Integer> reconnectsBefore = new ConcurrentHashMap<>();
        onRestarted.forEach(i -> reconnectsBefore.put(i, sessions.get(i).reconnects()));
        long stopAt = System.nanoTime();
        Process stop = new ProcessBuilder(launcher, "stop-service", restart).inheritIO().start();
        Set<Integer> waiting = ConcurrentHashMap.newKeySet();
        waiting.addAll(onRestarted);
        long deadline = stopAt + TimeUnit.SECONDS.toNanos(60);
        while (!waiting.isEmpty() && System.nanoTime() < deadline) {
            for (Integer i : List.copyOf(waiting)) {
                if (sessions.get(i).reconnects() > reconnectsBefore.get(i) && sessions.get(i).connected()) {
                    report.histogram("SIGTERM→reconnected+synced").recordValue((System.nanoTime() - stopAt) / 1000);
                    waiting.remove(i);
                }
            }
            Thread.sleep(20);
        }
        report.facts.put("all moved and synced after (s)", String.format("%.2f", (System.nanoTime() - stopAt) / 1e9));
        report.add("clients that did not come back", waiting.size());
        stop.waitFor(60, TimeUnit.SECONDS);
        new ProcessBuilder(launcher, "start-service", restart).inheritIO().start().waitFor(120, TimeUnit.SECONDS);
        Thread.sleep(3000);
        load.interrupt();
        load.join();
        Thread.sleep(5000); // deliveries and the syncs after the last sends
        long lost = 0;
        long duplicated = 0;
        for (Map.Entry<String, long[]> a : acknowledged.entrySet()) {
            for (long user : a.getValue()) {
                int copies = delivered.get(user).getOrDefault(a.getKey(), 0);
                lost += copies == 0 ? 1 : 0;
                duplicated += Math.max(0, copies - 1);
            }
        }
        report.add("acknowledged", acknowledged.size());
        report.add("lost", lost);
        report.add("duplicated", duplicated);
        sessions.forEach(ReconnectingSession::close);
        report.facts.put("restarted gateway url", String.valueOf(restartedUrl));
    }

    private void sendLoop(List<ReconnectingSession> sessions, List<Tokens.Entry> users, double rate) {
        long start = System.nanoTime();
        for (long k = 0; !Thread.currentThread().isInterrupted(); k++) {
            long wait = start + (long) (k * 1e9 / rate) - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
            }
            int i = ThreadLocalRandom.current().nextInt(sessions.size());
            long from = users.get(i).userId();
            long to = users.get(i ^ 1).userId();
            ObjectNode data = JSON.createObjectNode().put("clientMsgId", "s" + start + "-" + k);
            data.putObject("to").put("type", "user").put("id", Long.toString(to));
            data.putObject("content").put("type", "text").put("text", "storm " + k);
            long began = System.nanoTime();
            report.count("sent");
            sessions.get(i).send(data).subscribe().with(r -> {
                report.histogram("send→result").recordValue((System.nanoTime() - began) / 1000);
                acknowledged.put(r.get("msgId").asText(), new long[] {from, to});
            }, failure -> report.error(failure instanceof TinyImException e ? e.code() : failure.getClass().getSimpleName()));
        }
    }

    /** Where a user's timeline ends now: the storm checks only what is sent during the run. */
    private static long lastSeq(TinyImClient rest, Tokens.Entry u) {
        return dev.tinyim.client.ChatSession.open(rest.dispatch().await().atMost(Duration.ofSeconds(10)), u.token(), false)
                .map(s -> {
                    long max = s.authResult().get("maxSeq").asLong();
                    s.close();
                    return max;
                }).await().atMost(Duration.ofSeconds(30));
    }

    private static int port(String gateway, Args args) {
        int offset = args.integer("port-offset", 0);
        return 8080 + 100 * Integer.parseInt(gateway.substring(gateway.indexOf('-') + 1)) + offset;
    }
}
