package dev.tinyim.client.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinyim.client.TextMessage;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code p2p}: N online users in friend pairs (seeded users 2j and 2j+1 are friends) send at an offered rate R
 * for T seconds. {@code group}: the seeded groups ({@code --groups G}, size from the seed), the first
 * {@code --online O} members of each online, sending at R. Measures send→result and send→delivery, and
 * checks with a final sync of every online user that each acknowledged message is in every online
 * recipient's timeline exactly once (lost, duplicated).
 */
final class ChatScenario {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Args args;
    private final Tokens tokens;
    private final LoadReport report;
    private final boolean group;
    /** clientMsgId -> nanoTime of the send. */
    private final Map<String, Long> sentAt = new ConcurrentHashMap<>();
    /** msgId -> the user ids whose timelines must hold it (online ones only). */
    private final Map<String, long[]> acknowledged = new ConcurrentHashMap<>();

    ChatScenario(Args args, Tokens tokens, LoadReport report, boolean group) {
        this.args = args;
        this.tokens = tokens;
        this.report = report;
        this.group = group;
    }

    record Sender(LoadSession session, long userId, String toType, long toId, long[] recipients) {
    }

    /** Per-second figures of the run (set when the sending starts). */
    private volatile PerSecond perSecond;

    void run() throws Exception {
        RateSchedule schedule = RateSchedule.of(args);
        double rate = schedule.peak();
        int duration = schedule.seconds();
        List<String> gateways = List.of(args.get("gateways", "ws://127.0.0.1:8080/ws").split(","));
        Duration heartbeat = Heartbeat.of(args, 20);
        List<Tokens.Entry> users = tokens.onePerUser();
        Map<Long, LoadSession> online = new ConcurrentHashMap<>();
        List<Sender> senders = new ArrayList<>();
        List<Tokens.Entry> toConnect = new ArrayList<>();
        Map<Long, long[]> plan = new HashMap<>(); // sender id -> {toType (0 user, 1 group), toId}
        Map<Long, long[]> recipientsOf = new HashMap<>();
        if (group) {
            int groups = args.integer("groups", 1);
            int onlinePerGroup = args.integer("online", 50);
            List<String> lines = Files.readAllLines(Path.of(args.get("groups-file", Path.of(args.required("tokens")).resolveSibling("groups.tsv").toString())));
            Map<Long, Tokens.Entry> byId = new HashMap<>();
            users.forEach(u -> byId.put(u.userId(), u));
            for (String line : lines.subList(0, Math.min(groups, lines.size()))) {
                String[] f = line.split("\t");
                long gid = Long.parseLong(f[0]);
                String[] memberIds = f[1].split(",");
                long[] onlineMembers = new long[Math.min(onlinePerGroup, memberIds.length)];
                for (int m = 0; m < onlineMembers.length; m++) {
                    onlineMembers[m] = Long.parseLong(memberIds[m]);
                    toConnect.add(byId.get(onlineMembers[m]));
                    plan.put(onlineMembers[m], new long[] {1, gid});
                    recipientsOf.put(onlineMembers[m], onlineMembers);
                }
                report.facts.put("group size", memberIds.length);
                report.facts.put("online members per group", onlineMembers.length);
            }
            report.facts.put("groups", plan.values().stream().map(p -> p[1]).distinct().count());
        } else {
            int first = args.integer("from-user", 0) / 2 * 2; // e.g. past the seeded groups' members, for a group run at once
            int n = args.atMost("users", 1000, users.size() - first, "./tinyim seed --users N --friends 2") / 2 * 2;
            for (int i = first; i < first + n; i++) {
                Tokens.Entry u = users.get(i);
                Tokens.Entry peer = users.get(i ^ 1);
                toConnect.add(u);
                plan.put(u.userId(), new long[] {0, peer.userId()});
                recipientsOf.put(u.userId(), new long[] {u.userId(), peer.userId()});
            }
            report.facts.put("online users", n);
        }
        report.facts.put("database durability", args.get("db-durability", "unknown"));
        if (schedule.phases().size() == 1) {
            report.facts.put("offered rate (msg/s)", rate);
        } else {
            report.facts.put("offered rate (msg/s) : seconds", args.get("phases", ""));
        }
        report.facts.put("duration (s)", duration);
        if (rate / toConnect.size() > 40) {
            System.out.println("  warning: " + rate / toConnect.size() + " msg/s per connection is near the 50/s rate limit");
        }

        // connect everyone, spread over the gateways, offering compression as browsers do
        boolean compression = args.bool("compression", true);
        AtomicInteger index = new AtomicInteger();
        List<io.smallrye.mutiny.Uni<Void>> connecting = new ArrayList<>();
        for (Tokens.Entry u : toConnect) {
            String url = gateways.get(index.getAndIncrement() % gateways.size());
            connecting.add(LoadSession.open("127.0.0.1", url, u.token(), compression).invoke(s -> {
                s.keepAlive(heartbeat).onEvent(this::onEvent);
                online.put(u.userId(), s);
            }).replaceWithVoid());
        }
        for (int from = 0; from < connecting.size(); from += 200) {
            io.smallrye.mutiny.Uni.join().all(connecting.subList(from, Math.min(connecting.size(), from + 200))).andFailFast()
                    .await().atMost(Duration.ofMinutes(2));
        }
        for (Tokens.Entry u : toConnect) {
            long[] p = plan.get(u.userId());
            senders.add(new Sender(online.get(u.userId()), u.userId(), p[0] == 1 ? "group" : "user", p[1], recipientsOf.get(u.userId())));
        }
        report.facts.put("connection attempts failed and tried again (no upgrade or auth result in 30 s, or closed)",
                LoadSession.RETRIED_OPENS.get());
        report.facts.put("permessage-deflate offered / accepted", compression + " / "
                + online.values().stream().filter(LoadSession::compressed).count() + " of " + online.size());
        System.out.printf("  %d connections open; sending for %d s%n", online.size(), duration);
        Map<Long, Long> maxSeqBefore = new HashMap<>();
        online.forEach((id, s) -> maxSeqBefore.put(id, s.authResult().get("maxSeq").asLong()));

        int warmup = args.integer("warmup", 3);
        warmGenerator(senders, args.integer("generator-warmup", warmup > 0 ? 0 : 2));
        warmUp(senders, warmup, Math.min(1000, schedule.phases().get(0).rate()));
        StartSignal.await(args);
        long total = schedule.total();
        report.windowStart();
        long start = System.nanoTime();
        perSecond = new PerSecond(schedule, start);
        Thread fault = fault(start);
        sendOnEventLoops(senders, schedule, total, start, true);
        long nextProgress = start;
        while (report.get("sent") < total) {
            Thread.sleep(50);
            if (System.nanoTime() > nextProgress) {
                nextProgress += 1_000_000_000L;
                progress();
            }
        }
        long sendSeconds = System.nanoTime() - start;
        report.windowEnd(total, "msg");
        // let results and deliveries drain
        long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (report.get("acknowledged") + errorCount() < total && System.nanoTime() < drainUntil) {
            Thread.sleep(100);
        }
        Thread.sleep(2000);
        progress();
        System.out.println();
        double seconds = sendSeconds / 1e9;
        report.facts.put("achieved send rate (msg/s)", String.format("%.0f", report.get("acknowledged") / seconds));
        report.facts.put("deliveries per second", String.format("%.0f", report.get("delivered") / seconds));
        if (group) {
            long size = ((Number) report.facts.get("group size")).longValue();
            report.facts.put("timeline entries written per second", String.format("%.0f", report.get("acknowledged") * size / seconds));
        }
        if (fault != null) {
            fault.join();
            int at = (int) args.decimal("fault-at", 8);
            report.facts.put("seconds from the fault until every second accepts 90% of the offered rate",
                    perSecond.fullRateAfter(at, 0.9));
        }
        verify(online, maxSeqBefore);
        if (schedule.phases().size() > 1 || args.bool("per-second", false) || fault != null) {
            perSecond.report(report, args.decimal("recovered-below", 100));
        }
    }

    /**
     * {@code --fault 'shell command' --fault-at S} (default 8): runs the command (a crash and the restart, e.g.
     * {@code ./tinyim kill-service chat; sleep 1; ./tinyim start-service chat}) at second S of the measured
     * run, its output appended to {@code STATE/fault.log}; the run's check then covers what was sent through
     * the fault. {@code ./tinyim faults} runs the table of docs/reliability.md this way.
     */
    private Thread fault(long start) {
        String command = args.get("fault", "");
        if (command.isEmpty()) {
            return null;
        }
        double at = args.decimal("fault-at", 8);
        java.io.File log = Path.of(args.get("state", ".tinyim"), "fault.log").toFile();
        Thread thread = new Thread(() -> {
            try {
                long wait = start + (long) (at * 1e9) - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                long began = System.nanoTime();
                Process p = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
                int rc = p.waitFor();
                report.facts.put("fault", command + " (at second " + at + ", exit " + rc + ", "
                        + String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - began) / 1e9) + " s)");
            } catch (Exception e) {
                report.facts.put("fault", command + " did not run: " + e);
            }
        }, "fault");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /**
     * The offered rate, sent from the event loops that own the connections (a write from another thread would
     * cost a wake-up of that loop per message): each loop, every millisecond, sends what is due of its share.
     */
    private void sendOnEventLoops(List<Sender> senders, RateSchedule schedule, long total, long start, boolean measured) {
        java.util.concurrent.atomic.AtomicLong issued = new java.util.concurrent.atomic.AtomicLong();
        LoadSession.everyMillisecondOnTheirLoops(senders, Sender::session, mine -> {
            double share = (double) mine.size() / senders.size();
            long[] sent = {0};
            long[] lastTick = {0};
            return () -> {
                // the generator's own delay: how late its 1 ms timer fires (a late loop sends late and reads
                // results late, which would count as the server's latency)
                long now = System.nanoTime();
                if (lastTick[0] != 0 && measured) {
                    report.histogram("generator loop lag").recordValue(Math.max(0, (now - lastTick[0]) / 1000 - 1000));
                }
                lastTick[0] = now;
                long due = (long) (schedule.due((now - start) / 1e9) * share);
                while (sent[0] < due) {
                    long k = issued.getAndIncrement();
                    if (k >= total) {
                        return false;
                    }
                    Sender s = mine.get(ThreadLocalRandom.current().nextInt(mine.size()));
                    if (measured) {
                        send(s, k);
                    } else {
                        warmSend(s, k);
                    }
                    sent[0]++;
                }
                return issued.get() < total;
            };
        });
    }

    private final java.util.concurrent.atomic.AtomicLong warmAnswered = new java.util.concurrent.atomic.AtomicLong();

    /**
     * {@code --warmup S} (default 3, 0 for none): S seconds of sends at up to 1,000 msg/s before the measured
     * window, not counted, so that the generator's own JIT (a fresh JVM each run) does not show as the server's
     * latency in the first seconds. Measure a server's cold start with {@code --warmup 0}.
     */
    private void warmUp(List<Sender> senders, int seconds, double rate) throws InterruptedException {
        if (seconds <= 0) {
            return;
        }
        RateSchedule warm = new RateSchedule(List.of(new RateSchedule.Phase(rate, seconds)));
        long total = warm.total();
        sendOnEventLoops(senders, warm, total, System.nanoTime(), false);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds + 15L);
        while (warmAnswered.get() < total && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        Thread.sleep(500); // the last deliveries
        System.out.printf("  warm-up: %,d sends in %d s (not counted)%n", warmAnswered.get(), seconds);
        report.facts.put("warm-up (not counted)", warmAnswered.get() + " sends in " + seconds + " s");
    }

    /**
     * {@code --generator-warmup S} (default 2 with {@code --warmup 0}, else 0): S seconds of {@code ping}s, 1,000 a
     * second from random connections, before the measured window, so that a run that measures a server's cold start
     * does not measure the generator's too: its C2 compiler took 0.7–0.9 of a core for the first three seconds of
     * sending, beside the servers on the same two cores (docs/history/measurements.md). A ping goes no further than
     * the gateway, so chat, relation and the databases stay as cold as they were.
     */
    private void warmGenerator(List<Sender> senders, int seconds) throws InterruptedException {
        if (seconds <= 0) {
            return;
        }
        java.util.concurrent.atomic.AtomicLong answered = new java.util.concurrent.atomic.AtomicLong();
        LoadSession.atRateOnTheirLoops(senders, Sender::session, 1000, System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds),
                s -> s.session().command("ping", null).subscribe().with(ok -> answered.incrementAndGet(), e -> answered.incrementAndGet()))
                .await();
        Thread.sleep(200); // the last answers
        System.out.printf("  generator warm-up: %,d pings in %d s (not counted)%n", answered.get(), seconds);
        report.facts.put("generator warm-up (not counted)", answered.get() + " pings in " + seconds + " s");
    }

    private void warmSend(Sender s, long k) {
        ObjectNode data = TextMessage.to(s.toType(), Long.toString(s.toId()), "w" + run + "-" + k, "warm-up " + k);
        s.session().command("msg.send", data).subscribe().with(ok -> warmAnswered.incrementAndGet(), e -> warmAnswered.incrementAndGet());
    }

    /** Distinguishes this run's clientMsgIds from an earlier run's (a resend would return the old result). */
    private final String run = Long.toString(System.currentTimeMillis(), 36);

    private void send(Sender s, long k) {
        String clientMsgId = "b" + run + "-" + k;
        ObjectNode data = TextMessage.to(s.toType(), Long.toString(s.toId()), clientMsgId, "bench " + k);
        long began = System.nanoTime();
        sentAt.put(clientMsgId, began);
        report.count("sent");
        perSecond.sent(began);
        s.session().command("msg.send", data).subscribe().with(result -> {
            report.histogram("send→result").recordValue((System.nanoTime() - began) / 1000);
            report.count("acknowledged");
            perSecond.accepted(began);
            acknowledged.put(result.get("msgId").asText(), s.recipients());
        }, failure -> {
            report.failed(failure);
            perSecond.failed(began, System.nanoTime(), LoadReport.codeOf(failure));
        });
    }

    private void onEvent(JsonNode frame) {
        if (!"msg".equals(frame.path("type").asText())) {
            return;
        }
        JsonNode clientMsgId = frame.get("data").get("clientMsgId");
        Long began = clientMsgId == null ? null : sentAt.get(clientMsgId.asText());
        if (began != null) {
            long now = System.nanoTime();
            report.histogram("send→delivery").recordValue((now - began) / 1000);
            report.count("delivered");
            perSecond.delivered(began, now);
        }
    }

    private long errorCount() {
        return report.errors.values().stream().mapToLong(java.util.concurrent.atomic.AtomicLong::get).sum();
    }

    private void progress() {
        var result = report.histogram("send→result");
        var delivery = report.histogram("send→delivery");
        System.out.printf("\r  %5.0fs  sent %,d  ok %,d  errors %,d  delivered %,d  p99 result %.1f ms  p99 delivery %.1f ms   ",
                report.elapsedSeconds(), report.get("sent"), report.get("acknowledged"), errorCount(), report.get("delivered"),
                result.getValueAtPercentile(99) / 1000.0, delivery.getValueAtPercentile(99) / 1000.0);
    }

    /**
     * Final sync of every online user from where it started: each acknowledged message exactly once where expected,
     * and the timeline gap-free (PROTOCOL.md 5: seqs after the start are start+1, start+2, ... with none missing).
     */
    private void verify(Map<Long, LoadSession> online, Map<Long, Long> maxSeqBefore) {
        Map<Long, Map<String, Integer>> seen = new ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicLong gaps = new java.util.concurrent.atomic.AtomicLong();
        online.entrySet().parallelStream().filter(e -> !e.getValue().isClosed()).forEach(e -> {
            Map<String, Integer> copies = new HashMap<>();
            long after = maxSeqBefore.get(e.getKey());
            JsonNode page;
            do {
                page = syncPage(e.getValue(), after);
                for (JsonNode m : page.get("messages")) {
                    copies.merge(m.get("msgId").asText(), 1, Integer::sum);
                    long seq = m.get("seq").asLong();
                    if (seq != after + 1) {
                        gaps.incrementAndGet();
                    }
                    after = seq;
                }
            } while (page.get("hasMore").asBoolean());
            seen.put(e.getKey(), copies);
        });
        report.add("sessions closed before the final sync (not checked)", online.size() - seen.size());
        report.add("final sync pages retried (unavailable, rate_limited)", syncRetries.get());
        report.add("seq gaps", gaps.get());
        report.tallyDeliveries(acknowledged, seen);
    }

    private final java.util.concurrent.atomic.AtomicLong syncRetries = new java.util.concurrent.atomic.AtomicLong();

    /**
     * One page of the final sync, retried as a client would while the answer is {@code unavailable} or
     * {@code rate_limited} (a service still restarting after a fault), for at most two minutes.
     */
    private JsonNode syncPage(LoadSession session, long after) {
        long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (true) {
            try {
                return session.command("msg.sync", JSON.createObjectNode().put("afterSeq", after).put("limit", 500))
                        .await().atMost(Duration.ofSeconds(60));
            } catch (dev.tinyim.client.TinyImException e) {
                boolean retryable = "unavailable".equals(e.code()) || "rate_limited".equals(e.code());
                if (!retryable || System.nanoTime() > until) {
                    throw e;
                }
                syncRetries.incrementAndGet();
                try {
                    Thread.sleep(ThreadLocalRandom.current().nextLong(300, 800));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
