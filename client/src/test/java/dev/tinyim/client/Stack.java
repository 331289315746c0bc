package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tinyim.client.bench.PrometheusMetrics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The running test stack that `./tinyim test` starts (two gateways, auth, relation, chat, MariaDB primary and
 * replica, Redis), and small helpers that read like a user's steps.
 */
final class Stack {
    static final Duration WAIT = Duration.ofSeconds(15);
    static final List<String> GATEWAYS = List.of(required("TINYIM_TEST_GATEWAYS").split(","));

    private Stack() {
    }

    static String required(String env) {
        String value = System.getenv(env);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(env + " is not set: run these tests through ./tinyim test, which starts the stack");
        }
        return value;
    }

    static TinyImClient gateway(int i) {
        return new TinyImClient(GATEWAYS.get(i));
    }

    static String wsUrl(int i) {
        return GATEWAYS.get(i).replace("http://", "ws://") + "/ws";
    }

    record User(String id, String username, String token) {
    }

    static String uniqueName(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    static User newUser(String prefix) {
        return newUser(prefix, "web");
    }

    static User newUser(String prefix, String deviceType) {
        String name = uniqueName(prefix);
        TinyImClient client = gateway(0);
        client.register(name, "password1", null).await().atMost(WAIT);
        return login(name, deviceType);
    }

    static User login(String username, String deviceType) {
        JsonNode r = gateway(0).login(username, "password1", deviceType).await().atMost(WAIT);
        return new User(r.get("userId").asText(), username, r.get("token").asText());
    }

    static ChatSession connect(User user, int gateway) {
        return ChatSession.open(wsUrl(gateway), user.token(), false).await().atMost(WAIT);
    }

    /** Two new users who are friends, each with a kept connection: {@code a} on gateway-0, {@code b} on gateway-1. */
    record Friends(User a, User b, ChatSession as, ChatSession bs) {
    }

    static Friends friendsAcrossGateways(String prefix) {
        User a = newUser(prefix);
        User b = newUser(prefix);
        ChatSession as = connectKept(a, 0);
        ChatSession bs = connectKept(b, 1);
        befriend(as, b, bs);
        return new Friends(a, b, as, bs);
    }

    /** A connection that pings by itself (the test stack's heartbeat timeout is 3 s). */
    static ChatSession connectKept(User user, int gateway) {
        return connect(user, gateway).keepAlive(Duration.ofSeconds(1));
    }

    static ObjectNode obj() {
        return TinyImClient.JSON.createObjectNode();
    }

    static JsonNode cmd(ChatSession s, String type, ObjectNode data) {
        return s.command(type, data).await().atMost(WAIT);
    }

    static String errorOf(ChatSession s, String type, ObjectNode data) {
        try {
            s.command(type, data).await().atMost(WAIT);
            return "ok";
        } catch (TinyImException e) {
            return e.code();
        }
    }

    static void befriend(ChatSession a, User b, ChatSession bs) {
        String requestId = cmd(a, "friend.request", obj().put("userId", b.id()).put("remark", "hi")).get("requestId").asText();
        cmd(bs, "friend.accept", obj().put("requestId", requestId));
    }

    /** The data of a text msg.send. */
    static ObjectNode sendData(String toType, String toId, String clientMsgId, String text) {
        return TextMessage.to(toType, toId, clientMsgId, text);
    }

    static JsonNode send(ChatSession s, String toType, String toId, String clientMsgId, String text) {
        return cmd(s, "msg.send", sendData(toType, toId, clientMsgId, text));
    }

    /**
     * A send as a careful client makes it under load: an {@code unavailable} answer (nothing stored: the same clientMsgId may be resent, PROTOCOL.md 5.3)
     * is resent with the same clientMsgId after a growing pause (0.1 s, 0.2 s, ... at most 1 s; about 12 s in all), as
     * long as a freshly started stack may shed load while its JITs compile; any other error is thrown.
     */
    static JsonNode sendResending(ChatSession s, String toType, String toId, String clientMsgId, String text) {
        for (int attempt = 1; ; attempt++) {
            try {
                return send(s, toType, toId, clientMsgId, text);
            } catch (TinyImException e) {
                if (!e.code().equals("unavailable") || attempt == 16) {
                    throw e;
                }
                sleep(Math.min(100L * attempt, 1_000L));
            }
        }
    }

    static JsonNode awaitEvent(ChatSession s, String type) {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        while (System.currentTimeMillis() < deadline) {
            for (JsonNode e : s.received()) {
                if (type.equals(e.get("type").asText())) {
                    return e;
                }
            }
            sleep(20);
        }
        throw new AssertionError("no " + type + " event within " + WAIT + "; got " + s.received());
    }

    static int awaitClose(ChatSession s) {
        return s.closeCode().await().atMost(WAIT);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The HTTP base URL of a backend service of the test stack: auth, relation or chat. */
    static String service(String name) {
        for (String entry : required("TINYIM_TEST_SERVICES").split(",")) {
            if (entry.startsWith(name + "=")) {
                return entry.substring(name.length() + 1);
            }
        }
        throw new IllegalStateException("no " + name + " in TINYIM_TEST_SERVICES");
    }

    /** A plain GET against the test stack (health and readiness pages). */
    static java.net.http.HttpResponse<String> httpGet(String url) throws IOException, InterruptedException {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Waits (at most 60 s) until this relation instance is past its first period, in which it sends every read about
     * users and groups to the primary (it cannot know what was written before the others found it: RecentWrites).
     */
    static void awaitRelationKnowsRecentWrites(String relationUrl) {
        long deadline = System.currentTimeMillis() + 60_000;
        while (metric(relationUrl, "tinyim_relation_marks_complete") < 1) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError(relationUrl + " still in its first period after 60 s");
            }
            sleep(250);
        }
    }

    /** The sum of a Prometheus metric's samples at {@code baseUrl/q/metrics} (see {@link PrometheusMetrics#sum}). */
    static double metric(String baseUrl, String prefix) {
        try {
            return PrometheusMetrics.sum(baseUrl, prefix);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Every message of the caller's timeline after {@code afterSeq}, page by page. */
    static List<JsonNode> syncAll(ChatSession s, long afterSeq) {
        List<JsonNode> all = new java.util.ArrayList<>();
        long after = afterSeq;
        JsonNode page;
        do {
            page = cmd(s, "msg.sync", obj().put("afterSeq", after).put("limit", 500));
            page.get("messages").forEach(all::add);
            after = all.isEmpty() ? afterSeq : all.get(all.size() - 1).get("seq").asLong();
        } while (page.get("hasMore").asBoolean());
        return all;
    }

    /**
     * A user's whole timeline after a fault: gap-free from seq 1, each message whose clientMsgId starts with
     * {@code prefix} stored once, and the user's own at the seq its ok result named ({@code seqOf}). Returns the
     * messages seen, as "from/clientMsgId".
     */
    static java.util.Set<String> checkedTimeline(ChatSession s, User user, Map<String, Long> seqOf, String prefix) {
        List<JsonNode> timeline = syncAll(s, 0);
        Map<String, Integer> copies = new java.util.HashMap<>();
        for (int k = 0; k < timeline.size(); k++) {
            JsonNode m = timeline.get(k);
            assertEquals(k + 1, m.get("seq").asLong(), "timeline of " + user.username() + " is gap-free");
            if (m.has("clientMsgId") && m.get("clientMsgId").asText().startsWith(prefix)) {
                copies.merge(m.get("from").asText() + "/" + m.get("clientMsgId").asText(), 1, Integer::sum);
                if (m.get("from").asText().equals(user.id())) {
                    assertEquals(seqOf.get(m.get("clientMsgId").asText()), m.get("seq").asLong(),
                            "the acknowledged seq is where the message is");
                }
            }
        }
        copies.forEach((key, count) -> assertEquals(1, count, key + " stored once"));
        return copies.keySet();
    }

    /** The conversation of {@code s}'s user with this id, as conv.list shows it (it must be listed). */
    static JsonNode listedConversation(ChatSession s, String conversationId) {
        for (JsonNode c : cmd(s, "conv.list", obj()).get("conversations")) {
            if (c.get("conversationId").asText().equals(conversationId)) {
                return c;
            }
        }
        throw new AssertionError(conversationId + " not in conv.list");
    }

    /** The 1:1 conversation id of two users: smaller id first. */
    static String pairConversation(User a, User b) {
        long x = Long.parseLong(a.id());
        long y = Long.parseLong(b.id());
        return "p:" + Math.min(x, y) + ":" + Math.max(x, y);
    }

    /** How many events of {@code type} {@code s} has received so far. */
    static long eventCount(ChatSession s, String type) {
        return s.received().stream().filter(e -> type.equals(e.get("type").asText())).count();
    }

    /** Waits until {@code s} has received {@code count} events of {@code type}, and returns them. */
    static List<JsonNode> awaitEvents(ChatSession s, String type, int count) {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        List<JsonNode> found;
        do {
            found = s.received().stream().filter(e -> type.equals(e.get("type").asText())).toList();
            if (found.size() >= count) {
                return found;
            }
            sleep(20);
        } while (System.currentTimeMillis() < deadline);
        throw new AssertionError("expected " + count + " " + type + " events within " + WAIT + ", got " + found.size());
    }

    /** The last line of a command's output, trimmed (what `./tinyim sql` prints under its column header). */
    static String lastLine(String output) {
        String[] lines = output.strip().split("\\n");
        return lines[lines.length - 1].strip();
    }

    /** Runs the launcher (e.g. `sql primary "..."`) against the test stack and returns its output. */
    static String launcher(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>();
        command.add(required("TINYIM_TEST_LAUNCHER"));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("launcher " + String.join(" ", args) + " did not end within 60 s: " + out);
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("launcher " + String.join(" ", args) + " failed (exit " + p.exitValue() + "): " + out);
        }
        return out;
    }
}
