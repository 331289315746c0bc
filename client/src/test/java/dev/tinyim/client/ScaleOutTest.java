package dev.tinyim.client;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 23: two instances of every backend (./tinyim up --scale chat=2,relation=2,auth=2). Every instance takes its
 * share of the calls, found through the registry or through DNS as on Kubernetes; two chat instances write the same users' timelines at once (each sender's sends reach one
 * instance, its recipients' timelines are written by both) and every timeline stays exact; a chat instance killed
 * with kill -9 mid-run loses nothing acknowledged, its callers go on with the other, and it takes calls again once
 * restarted. {@code ./tinyim test} runs these on its second stack (tag {@code scaled}), with MessagingTest and
 * ConversationTest, whose guarantees then hold across the two chat instances too.
 */
@Tag("scaled")
class ScaleOutTest {
    private static final String COMMITTED = "tinyim_chat_commit_batch_messages_sum";
    private static final int SENDERS = 12; // friends in pairs (0,1) (2,3) ..., all in one group

    @BeforeAll
    static void twoOfEach() {
        for (String service : List.of("auth", "relation", "chat")) {
            assertEquals(2, instances(service).size(), "the stack runs two instances of " + service
                    + " (./tinyim up --scale chat=2,relation=2,auth=2): " + instances(service));
        }
    }

    /**
     * Every gateway balances over two instances of each backend, found the way the stack was told: the Redis
     * registry, or DNS SRV records read through Stork (up --discovery dns, as on Kubernetes).
     */
    @Test
    void gatewaysFindTwoInstancesOfEachBackend() throws Exception {
        String expected = System.getenv().getOrDefault("TINYIM_TEST_DISCOVERY", "registry").equals("dns") ? "stork" : "registry";
        for (String gateway : GATEWAYS) {
            var ready = TinyImClient.JSON.readTree(httpGet(gateway + "/q/health/ready").body());
            var backends = java.util.stream.StreamSupport.stream(ready.get("checks").spliterator(), false)
                    .filter(c -> c.get("name").asText().equals("grpc-backends")).findFirst().orElseThrow().get("data");
            assertEquals(expected, backends.get("discovery").asText(), gateway + ": " + backends);
            for (String service : List.of("auth", "relation", "chat")) {
                assertEquals(2, backends.get(service).asInt(), gateway + " balances over two " + service + ": " + backends);
            }
        }
    }

    /** Each backend instance of the test stack, name to HTTP base URL: chat, chat-1, ... */
    static Map<String, String> instances(String service) {
        Map<String, String> found = new LinkedHashMap<>();
        for (String entry : required("TINYIM_TEST_SERVICES").split(",")) {
            String name = entry.substring(0, entry.indexOf('='));
            if (name.equals(service) || name.matches(service + "-[0-9]+")) {
                found.put(name, entry.substring(entry.indexOf('=') + 1));
            }
        }
        return found;
    }

    private static Map<String, Double> metricOfEach(String service, String prefix) {
        Map<String, Double> values = new LinkedHashMap<>();
        instances(service).forEach((name, url) -> values.put(name, metric(url, prefix)));
        return values;
    }

    private static boolean eachGrewBy(Map<String, Double> before, Map<String, Double> after, double by) {
        return before.entrySet().stream().allMatch(e -> after.get(e.getKey()) >= e.getValue() + by);
    }

    private static void assertEachGrew(Map<String, Double> before, Map<String, Double> after, String what) {
        before.forEach((name, was) -> assertTrue(after.get(name) > was, name + " " + what + ": " + before + " -> " + after));
    }

    @Test
    void everyInstanceTakesItsShareOfTheCalls() {
        Map<String, Double> logins = metricOfEach("auth", callsOf("Login"));
        Map<String, Double> profiles = metricOfEach("relation", callsOf("GetProfile"));
        Map<String, Double> committed = metricOfEach("chat", COMMITTED);
        List<User> users = new ArrayList<>();
        List<ChatSession> sessions = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            users.add(newUser("spread"));
            sessions.add(connectKept(users.get(i), i % 2));
        }
        for (int i = 0; i < 8; i += 2) {
            befriend(sessions.get(i), users.get(i + 1), sessions.get(i + 1));
        }
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < 8; i++) {
                cmd(sessions.get(i), "user.get", obj().put("userId", users.get(i ^ 1).id()));
                send(sessions.get(i), "user", users.get(i ^ 1).id(), "spread-" + round, "round " + round);
            }
        }
        assertEachGrew(logins, metricOfEach("auth", callsOf("Login")), "took logins");
        assertEachGrew(profiles, metricOfEach("relation", callsOf("GetProfile")), "took user.get");
        assertEachGrew(committed, metricOfEach("chat", COMMITTED), "committed sends");
        sessions.forEach(ChatSession::close);
    }

    /**
     * PROTOCOL.md 5.6 across two relation instances, the replica held 3 s behind: each instance keeps the
     * read-your-writes marks in memory, and the instance that took a write marks it on every instance before the
     * command returns, so a read right after it through the other instance goes to the primary too (the test fails
     * if the write is marked only where it was taken: the other instance's reads then find the replica's old rows).
     */
    @Test
    void aWriteThroughOneRelationInstanceIsSeenByReadsThroughTheOther() throws Exception {
        instances("relation").values().forEach(Stack::awaitRelationKnowsRecentWrites);
        String listed = callsOf("ListFriends");
        User a = newUser("rywscaled");
        User b = newUser("rywscaled");
        ChatSession as = connectKept(a, 0);
        ChatSession bs = connectKept(b, 1);
        launcher("sql", "replica", "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=3; START SLAVE;");
        try {
            Map<String, Double> before = metricOfEach("relation", listed);
            befriend(as, b, bs);
            int reads = 0;
            Map<String, Double> now = before;
            while (reads < 40 && !eachGrewBy(before, now, 2)) {
                ChatSession reader = reads % 2 == 0 ? as : bs;
                User other = reads % 2 == 0 ? b : a;
                var friends = cmd(reader, "friend.list", obj()).get("friends");
                assertEquals(1, friends.size(), "read " + reads + " right after the friendship was made: " + friends);
                assertEquals(other.id(), friends.get(0).get("userId").asText());
                reads++;
                now = metricOfEach("relation", listed);
            }
            assertTrue(eachGrewBy(before, now, 2), "each instance served at least two of the " + reads + " reads: "
                    + before + " -> " + now);
            // the replica really is behind: the rows those reads returned are not there yet
            assertEquals("0", lastLine(launcher("sql", "replica",
                    "SELECT COUNT(*) FROM friendships WHERE user_id = " + a.id() + " AND friend_id = " + b.id())),
                    "the replica has not applied the friendship yet");
        } finally {
            launcher("sql", "replica", "STOP SLAVE; CHANGE MASTER TO MASTER_DELAY=0; START SLAVE;");
        }
        as.close();
        bs.close();
    }

    /**
     * The profiles user.get answered are kept by each gateway (ProfileCopies): asked again, a gateway answers from
     * its copy; a nickname changed through one gateway is what every user.get shows once user.update has returned,
     * through either gateway (relation tells every gateway through its push stream before it answers). Each relation
     * instance keeps the profiles it read as well (once it knows every write): the one that wrote the change drops
     * its copy, the other when told by MarkWritten, both before user.update returns.
     */
    @Test
    void aNicknameChangedThroughOneGatewayIsShownByEveryOther() {
        instances("relation").values().forEach(Stack::awaitRelationKnowsRecentWrites);
        String hits = "tinyim_gateway_profiles_total{result=\"hit\"";
        User owner = newUser("nick");
        User[] readers = {newUser("nickreader"), newUser("nickreader")};
        ChatSession os = connectKept(owner, 0);
        ChatSession[] rs = {connectKept(readers[0], 0), connectKept(readers[1], 1)};
        Map<String, Double> before = new LinkedHashMap<>();
        GATEWAYS.forEach(g -> before.put(g, metric(g, hits)));
        String registered = cmd(rs[0], "user.get", obj().put("userId", owner.id())).get("nickname").asText();
        for (int i = 0; i < 4; i++) {
            for (ChatSession r : rs) {
                assertEquals(registered, cmd(r, "user.get", obj().put("userId", owner.id())).get("nickname").asText());
            }
        }
        Map<String, Double> after = new LinkedHashMap<>();
        GATEWAYS.forEach(g -> after.put(g, metric(g, hits)));
        assertEachGrew(before, after, "answered user.get from its kept profiles");
        for (int change = 1; change <= 4; change++) {
            String nickname = "renamed " + change;
            assertEquals(nickname, cmd(os, "user.update", obj().put("nickname", nickname)).get("nickname").asText());
            for (int i = 0; i < 3; i++) {
                for (int g = 0; g < rs.length; g++) {
                    assertEquals(nickname, cmd(rs[g], "user.get", obj().put("userId", owner.id())).get("nickname").asText(),
                            "user.get " + i + " through gateway " + g + " after the change to '" + nickname + "'");
                }
            }
        }
        os.close();
        for (ChatSession r : rs) {
            r.close();
        }
    }

    @Test
    void aChatInstanceKilledMidRunLosesNothingAcknowledged() throws Exception {
        SteadyLoad load = new SteadyLoad("k", SENDERS, true);
        Map<String, Double> atStart = metricOfEach("chat", COMMITTED);
        load.start();
        sleep(3_000);
        Map<String, Double> beforeKill = metricOfEach("chat", COMMITTED);
        assertEachGrew(atStart, beforeKill, "wrote the same timelines as the other before the kill");
        int acknowledgedBeforeKill = load.acknowledged();
        launcher("kill-service", "chat-1"); // kill -9; returns once the process is gone
        long killedAt = System.nanoTime();
        sleep(3_000);
        int duringOutage = load.acknowledged() - acknowledgedBeforeKill;
        launcher("start-service", "chat-1"); // returns once it is ready
        double restarted = metric(instances("chat").get("chat-1"), COMMITTED);
        long deadline = System.currentTimeMillis() + 20_000;
        while (metric(instances("chat").get("chat-1"), COMMITTED) <= restarted && System.currentTimeMillis() < deadline) {
            sleep(100);
        }
        assertTrue(metric(instances("chat").get("chat-1"), COMMITTED) > restarted, "the restarted chat-1 takes sends again");
        sleep(1_000);
        load.stop();
        System.out.printf("scale-out: %d acknowledged before chat-1 was killed, %d in the 3 s it was down, %d in all;"
                        + " %d failed (resent); chat-1 back after %d ms%n", acknowledgedBeforeKill, duringOutage, load.acknowledged(),
                load.failures().size(), (System.nanoTime() - killedAt) / 1_000_000);
        assertTrue(duringOutage > 50, "the other chat instance carried the sends while chat-1 was down: " + duringOutage);
        load.failures().values().forEach(code -> assertEquals("unavailable", code, "a killed instance is unavailable, never internal"));
        load.resendFailed();
        load.assertEveryTimelineExact();
        load.assertUnreadExact(); // both chat instances kept the counts exact
        load.close();
    }

    @Test
    void theLoadGeneratorLosesNothingWhenAChatInstanceIsKilledMidRun() throws Exception {
        String seeded = launcher("seed", "--users", "40", "--friends", "2");
        assertTrue(seeded.contains("seed: 40 users"), seeded);
        String tinyim = required("TINYIM_TEST_LAUNCHER");
        String p2p = launcher("bench", "p2p", "--users", "40", "--rate", "60", "--duration", "8", "--warmup", "0",
                "--heartbeat", "1", "--fault", "'" + tinyim + "' kill-service chat; sleep 1; '" + tinyim + "' start-service chat",
                "--fault-at", "2");
        assertTrue(p2p.contains("kill-service chat") && p2p.contains("exit 0"), "the fault ran:\n" + p2p);
        assertTrue(p2p.matches("(?s).*\\n\\s+lost\\s+0\\n.*"), p2p);
        assertTrue(p2p.matches("(?s).*\\n\\s+duplicated\\s+0\\n.*"), p2p);
        assertTrue(p2p.matches("(?s).*acknowledged\\s+[1-9][0-9]{2,}\\n.*"), "hundreds of sends acknowledged:\n" + p2p);
    }

    /** The prefix of the metric that counts the gRPC calls an instance took of this method (Quarkus' gRPC metrics). */
    private static String callsOf(String method) {
        return "grpc_server_processing_duration_seconds_count{method=\"" + method + "\"";
    }
}
