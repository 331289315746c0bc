package dev.tinyim.client.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinyim.client.ReconnectingSession;
import dev.tinyim.client.TextMessage;
import dev.tinyim.client.TinyImClient;

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
 * send at rate R; after a warm-up a gateway is restarted (SIGTERM, then started again), {@code --restarts}
 * times, {@code --restart-every} seconds apart, taking the gateways of {@code --restart} in turn (the soak run
 * of {@code ./tinyim test --soak} is a long storm). Measures the time from each SIGTERM until each of that
 * gateway's clients is connected elsewhere and synced, and checks that every acknowledged message reached
 * both users' sessions exactly once. Also counts the {@code presence} events the clients receive during each
 * restart (PROTOCOL.md 7.1: a restart that moves users within the coalescing window should announce nothing).
 */
final class StormScenario {

    private final Args args;
    private final Tokens tokens;
    private final LoadReport report;
    /** user id -> msgIds delivered to that user's session, with their count. */
    private final Map<Long, Map<String, Integer>> delivered = new ConcurrentHashMap<>();
    private final Map<String, long[]> acknowledged = new ConcurrentHashMap<>();
    /** From each SIGTERM until 3 s after its clients are back (the presence events of a move arrive within 2 s). */
    private volatile boolean restarting;

    StormScenario(Args args, Tokens tokens, LoadReport report) {
        this.args = args;
        this.tokens = tokens;
        this.report = report;
    }

    void run() throws Exception {
        int first = args.integer("from-user", 0) / 2 * 2; // past users another bench process holds
        int n = args.atMost("users", 200, tokens.onePerUser().size() - first, "./tinyim seed --users N --friends 2") / 2 * 2;
        double rate = args.decimal("rate", 50);
        int warmup = args.integer("warmup", 5);
        String restart = args.get("restart", "gateway-1");
        String launcher = args.required("launcher");
        TinyImClient rest = new TinyImClient(args.get("servers", "http://127.0.0.1:8080").split(","));
        List<Tokens.Entry> users = tokens.onePerUser().subList(first, first + n);
        List<ReconnectingSession> sessions = new ArrayList<>();
        for (Tokens.Entry u : users) {
            ReconnectingSession s = ReconnectingSession.create(rest, u.token(), lastSeq(rest, u),
                    Heartbeat.of(args, 20));
            Map<String, Integer> mine = new ConcurrentHashMap<>();
            delivered.put(u.userId(), mine);
            s.messages().subscribe().with(m -> mine.merge(m.get("msgId").asText(), 1, Integer::sum));
            s.events().subscribe().with(e -> {
                if ("presence".equals(e.path("type").asText()) && restarting) {
                    report.count("presence events during restarts");
                }
            });
            sessions.add(s);
        }
        for (ReconnectingSession s : sessions) {
            s.start().await().atMost(Duration.ofSeconds(30));
        }
        StartSignal.await(args);
        List<long[]> groups = groups(users);
        report.facts.put("clients", n);
        report.add("presence events during restarts", 0);
        report.facts.put("offered rate (msg/s)", rate);
        Thread load = new Thread(() -> sendLoop(sessions, users, rate));
        load.setDaemon(true);
        load.start();
        double groupRate = args.decimal("group-rate", 0);
        Thread groupLoad = new Thread(() -> groupSendLoop(sessions, users, groups, groupRate));
        groupLoad.setDaemon(true);
        if (!groups.isEmpty() && groupRate > 0) {
            report.facts.put("groups (members)", groups.size() + " (" + (groups.get(0).length - 1) + ")");
            report.facts.put("offered group rate (msg/s)", groupRate);
            groupLoad.start();
        }
        Thread.sleep(warmup * 1000L);
        boolean memory = args.bool("memory", false);
        Map<String, ProcessStats.Memory> memoryAtStart = memory ? ProcessStats.memory(report.state()) : Map.of();
        int restarts = args.integer("restarts", 1);
        int every = args.integer("restart-every", 30);
        List<String> targets = List.of(restart.split(","));
        for (int r = 0; r < restarts; r++) {
            restartAndMeasure(targets.get(r % targets.size()), sessions, launcher);
            if (r + 1 < restarts) {
                Thread.sleep(every * 1000L);
            }
        }
        Thread.sleep(3000);
        load.interrupt();
        groupLoad.interrupt();
        load.join();
        groupLoad.join();
        Thread.sleep(5000); // deliveries and the syncs after the last sends
        if (memory) {
            report.facts.put("memory: heap after a full GC / RSS, MB, after the warm-up -> at the end",
                    ProcessStats.describeGrowth(memoryAtStart, ProcessStats.memory(report.state())));
        }
        report.add("acknowledged", acknowledged.size());
        report.tallyDeliveries(acknowledged, delivered);
        sessions.forEach(ReconnectingSession::close);
    }

    /** One gateway restart: SIGTERM, until its clients are back and synced elsewhere, then started again. */
    private void restartAndMeasure(String gateway, List<ReconnectingSession> sessions, String launcher) throws Exception {
        String port = ":" + port(gateway, args) + "/";
        Map<Integer, Integer> reconnectsBefore = new ConcurrentHashMap<>(); // the gateway's clients
        for (int i = 0; i < sessions.size(); i++) {
            if (String.valueOf(sessions.get(i).url()).contains(port)) {
                reconnectsBefore.put(i, sessions.get(i).reconnects());
            }
        }
        report.add("restarts", 1);
        report.add("clients moved by restarts", reconnectsBefore.size());
        long stopAt = System.nanoTime();
        restarting = true;
        // --restart-how kill: a crash (SIGKILL) instead of a graceful drain
        boolean crash = args.get("restart-how", "term").equals("kill");
        Process stop = new ProcessBuilder(launcher, crash ? "kill-service" : "stop-service", gateway).inheritIO().start();
        Set<Integer> waiting = ConcurrentHashMap.newKeySet();
        waiting.addAll(reconnectsBefore.keySet());
        long deadline = stopAt + TimeUnit.SECONDS.toNanos(60);
        while (!waiting.isEmpty() && System.nanoTime() < deadline) {
            for (Integer i : List.copyOf(waiting)) {
                if (sessions.get(i).reconnects() > reconnectsBefore.get(i) && sessions.get(i).connected()) {
                    report.histogram((crash ? "SIGKILL" : "SIGTERM") + "→reconnected+synced").recordValue((System.nanoTime() - stopAt) / 1000);
                    waiting.remove(i);
                }
            }
            Thread.sleep(20);
        }
        report.facts.put("last restart: all moved and synced after (s)", String.format("%.2f", (System.nanoTime() - stopAt) / 1e9));
        report.add("clients that did not come back", waiting.size());
        Thread.sleep(3000);
        restarting = false;
        stop.waitFor(60, TimeUnit.SECONDS);
        new ProcessBuilder(launcher, "start-service", gateway).inheritIO().start().waitFor(120, TimeUnit.SECONDS);
    }

    /** One send each 1/rate seconds on this thread until it is interrupted: {@code send.accept(runStart, k)}. */
    private static void paced(double rate, java.util.function.BiConsumer<Long, Long> send) {
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
            send.accept(start, k);
        }
    }

    private void sendLoop(List<ReconnectingSession> sessions, List<Tokens.Entry> users, double rate) {
        paced(rate, (start, k) -> {
            int i = ThreadLocalRandom.current().nextInt(sessions.size());
            long from = users.get(i).userId();
            long to = users.get(i ^ 1).userId();
            ObjectNode data = TextMessage.to("user", Long.toString(to), "s" + start + "-" + k, "storm " + k);
            long began = System.nanoTime();
            report.count("sent");
            sessions.get(i).send(data).subscribe().with(r -> {
                report.histogram("send→result").recordValue((System.nanoTime() - began) / 1000);
                acknowledged.put(r.get("msgId").asText(), new long[] {from, to});
            }, report::failed);
        });
    }

    /**
     * The first {@code --groups} seeded groups whose members all have a session here: {groupId, member ids...}.
     */
    private List<long[]> groups(List<Tokens.Entry> users) throws java.io.IOException {
        int wanted = args.integer("groups", 0);
        List<long[]> groups = new ArrayList<>();
        if (wanted == 0) {
            return groups;
        }
        java.nio.file.Path file = java.nio.file.Path.of(args.get("groups-file",
                java.nio.file.Path.of(args.required("tokens")).resolveSibling("groups.tsv").toString()));
        Set<Long> here = new java.util.HashSet<>();
        users.forEach(u -> here.add(u.userId()));
        for (String line : java.nio.file.Files.readAllLines(file)) {
            String[] f = line.split("\t");
            long[] g = new long[1 + f[1].split(",").length];
            g[0] = Long.parseLong(f[0]);
            String[] members = f[1].split(",");
            for (int m = 0; m < members.length; m++) {
                g[m + 1] = Long.parseLong(members[m]);
            }
            if (java.util.Arrays.stream(g, 1, g.length).allMatch(here::contains) && groups.size() < wanted) {
                groups.add(g);
            }
        }
        if (groups.size() < wanted) {
            throw new IllegalArgumentException("--groups " + wanted + ": only " + groups.size()
                    + " seeded groups have all their members among this storm's users (./tinyim seed --groups)");
        }
        return groups;
    }

    private void groupSendLoop(List<ReconnectingSession> sessions, List<Tokens.Entry> users, List<long[]> groups, double rate) {
        Map<Long, Integer> indexOf = new java.util.HashMap<>();
        for (int i = 0; i < users.size(); i++) {
            indexOf.put(users.get(i).userId(), i);
        }
        paced(rate, (start, k) -> {
            long[] g = groups.get(ThreadLocalRandom.current().nextInt(groups.size()));
            long from = g[1 + ThreadLocalRandom.current().nextInt(g.length - 1)];
            long[] members = java.util.Arrays.copyOfRange(g, 1, g.length);
            ObjectNode data = TextMessage.to("group", Long.toString(g[0]), "g" + start + "-" + k, "storm group " + k);
            report.count("group sent");
            sessions.get(indexOf.get(from)).send(data).subscribe().with(
                    r -> acknowledged.put(r.get("msgId").asText(), members), report::failed);
        });
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
