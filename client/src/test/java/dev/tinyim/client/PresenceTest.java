package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/** PROTOCOL.md 7.1: presence.get and the presence event, across gateways, with blocking and a crashed gateway. */
class PresenceTest {

    /** presence.get's data for these ids. */
    static ObjectNode ids(String... userIds) {
        ObjectNode data = obj();
        ArrayNode array = data.putArray("userIds");
        for (String id : userIds) {
            array.add(id);
        }
        return data;
    }

    static JsonNode presenceOf(ChatSession s, String userId) {
        JsonNode list = cmd(s, "presence.get", ids(userId)).get("presence");
        assertEquals(1, list.size());
        assertEquals(userId, list.get(0).get("userId").asText());
        return list.get(0);
    }

    static List<String> devices(JsonNode presence) {
        List<String> devices = new ArrayList<>();
        presence.get("devices").forEach(d -> devices.add(d.asText()));
        return devices;
    }

    /** How many presence events about {@code userId} {@code s} has received so far. */
    static int presenceCount(ChatSession s, String userId) {
        return (int) s.received().stream().filter(e -> "presence".equals(e.get("type").asText())
                && userId.equals(e.get("data").get("userId").asText())).count();
    }

    /**
     * Two friends on different gateways once the presence of their own connections has been announced (they
     * became friends within the coalescing window, so each may have heard of the other's connection).
     */
    static Friends settledFriends(String prefix) {
        Friends f = friendsAcrossGateways(prefix);
        sleep(2_000);
        return f;
    }

    /** The n-th presence event about {@code userId} that {@code s} received (1-based), waiting for it. */
    static JsonNode awaitPresence(ChatSession s, String userId, int n) {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        List<JsonNode> found;
        do {
            found = s.received().stream().filter(e -> "presence".equals(e.get("type").asText())
                    && userId.equals(e.get("data").get("userId").asText())).toList();
            if (found.size() >= n) {
                return found.get(n - 1).get("data");
            }
            sleep(20);
        } while (System.currentTimeMillis() < deadline);
        throw new AssertionError("expected " + n + " presence events about " + userId + ", got " + found);
    }

    @Test
    void friendsSeeDeviceTypesComeAndGoAcrossGatewaysWithinTwoSeconds() {
        Friends f = settledFriends("presence");
        int seen = presenceCount(f.bs(), f.a().id());
        int selfSeen = presenceCount(f.as(), f.a().id());
        JsonNode a = presenceOf(f.bs(), f.a().id());
        assertTrue(a.get("online").asBoolean());
        assertEquals(List.of("web"), devices(a));
        assertEquals(0, a.get("lastSeenAt").asLong(), "0 while online");
        JsonNode self = presenceOf(f.as(), f.a().id());
        assertEquals(List.of("web"), devices(self), "the caller may ask about themself");

        long before = System.currentTimeMillis();
        ChatSession mobile = connectKept(login(f.a().username(), "mobile"), 1);
        JsonNode up = awaitPresence(f.bs(), f.a().id(), seen + 1);
        long took = System.currentTimeMillis() - before;
        assertTrue(up.get("online").asBoolean());
        assertEquals(List.of("mobile", "web"), devices(up));
        assertTrue(took < 2_500, "presence event within 2 s of the change, took " + took + " ms");
        assertEquals(List.of("mobile", "web"), devices(presenceOf(f.bs(), f.a().id())));

        mobile.close();
        JsonNode down = awaitPresence(f.bs(), f.a().id(), seen + 2);
        assertTrue(down.get("online").asBoolean());
        assertEquals(List.of("web"), devices(down));

        long closedAfter = System.currentTimeMillis();
        f.as().close();
        JsonNode off = awaitPresence(f.bs(), f.a().id(), seen + 3);
        assertFalse(off.get("online").asBoolean());
        assertEquals(List.of(), devices(off));
        long lastSeen = off.get("lastSeenAt").asLong();
        assertTrue(lastSeen >= closedAfter - 50 && lastSeen <= System.currentTimeMillis(), "lastSeenAt is the close: " + off);
        JsonNode asked = presenceOf(f.bs(), f.a().id());
        assertFalse(asked.get("online").asBoolean());
        assertEquals(lastSeen, asked.get("lastSeenAt").asLong());
        sleep(1500);
        assertEquals(seen + 3, presenceCount(f.bs(), f.a().id()), "one event per change: " + f.bs().received());
        assertEquals(selfSeen, presenceCount(f.as(), f.a().id()), "nobody is told of themself");
        assertEquals(0, presenceCount(mobile, f.a().id()), "nobody is told of themself");
    }

    @Test
    void lastSeenAtIsKeptDurably() throws Exception {
        Friends f = settledFriends("seen");
        int seen = presenceCount(f.bs(), f.a().id());
        f.as().close();
        long lastSeen = awaitPresence(f.bs(), f.a().id(), seen + 1).get("lastSeenAt").asLong();
        assertTrue(lastSeen > 0);
        String stored = launcher("sql", "primary", "SELECT last_seen_at FROM profiles WHERE user_id = " + f.a().id());
        assertTrue(stored.contains(Long.toString(lastSeen)), "profiles.last_seen_at holds it: " + stored);
        User never = newUser("seen");
        befriend(f.bs(), never, connectKept(never, 0));
        // a friend who is connected right now: online; one who never connected is 0 (asked together, in order)
        JsonNode list = cmd(f.bs(), "presence.get", ids(f.a().id(), f.b().id(), f.a().id())).get("presence");
        assertEquals(3, list.size());
        assertEquals(lastSeen, list.get(0).get("lastSeenAt").asLong());
        assertTrue(list.get(1).get("online").asBoolean());
        assertEquals(f.a().id(), list.get(2).get("userId").asText());
    }

    @Test
    void presenceGetChecksItsInput() {
        Friends f = friendsAcrossGateways("presence");
        User stranger = newUser("presence");
        assertEquals("bad_request", errorOf(f.as(), "presence.get", obj()));
        assertEquals("bad_request", errorOf(f.as(), "presence.get", ids()));
        assertEquals("bad_request", errorOf(f.as(), "presence.get", obj().put("userIds", f.b().id())));
        assertEquals("bad_request", errorOf(f.as(), "presence.get", ids("abc")));
        String[] many = new String[201];
        java.util.Arrays.fill(many, f.b().id());
        assertEquals("bad_request", errorOf(f.as(), "presence.get", ids(many)));
        String[] most = new String[200];
        java.util.Arrays.fill(most, f.b().id());
        assertEquals(200, cmd(f.as(), "presence.get", ids(most)).get("presence").size());
        assertEquals("forbidden", errorOf(f.as(), "presence.get", ids(f.b().id(), stranger.id())), "not a friend");
        assertEquals("forbidden", errorOf(f.as(), "presence.get", ids("999999999999")), "no such user");
        cmd(f.as(), "friend.remove", obj().put("userId", f.b().id()));
        assertEquals("forbidden", errorOf(f.as(), "presence.get", ids(f.b().id())), "no longer friends");
    }

    @Test
    void aUserWhoBlocksSomeoneLooksOfflineToThemAndTellsThemNothing() {
        Friends f = settledFriends("pblock");
        int seen = presenceCount(f.bs(), f.a().id());
        cmd(f.as(), "user.block", obj().put("userId", f.b().id()));
        JsonNode asked = presenceOf(f.bs(), f.a().id());
        assertFalse(asked.get("online").asBoolean());
        assertEquals(List.of(), devices(asked));
        assertEquals(0, asked.get("lastSeenAt").asLong());
        assertTrue(presenceOf(f.as(), f.b().id()).get("online").asBoolean(), "the blocker still sees the other");

        ChatSession mobile = connectKept(login(f.a().username(), "mobile"), 0);
        sleep(2_500);
        assertEquals(seen, presenceCount(f.bs(), f.a().id()), "no presence event to the blocked user, not even of the block");

        cmd(f.as(), "user.unblock", obj().put("userId", f.b().id()));
        JsonNode shown = awaitPresence(f.bs(), f.a().id(), seen + 1);
        assertTrue(shown.get("online").asBoolean(), "after unblocking the real presence is back: " + shown);
        assertEquals(List.of("mobile", "web"), devices(shown));
        mobile.close();
        assertEquals(List.of("web"), devices(awaitPresence(f.bs(), f.a().id(), seen + 2)));
    }

    @Test
    void aQuickReconnectAnnouncesNothing() {
        Friends f = settledFriends("reconnect");
        int seen = presenceCount(f.bs(), f.a().id());
        long started = System.currentTimeMillis();
        f.as().close();
        ChatSession again = connectKept(f.a(), 1);
        long took = System.currentTimeMillis() - started;
        assertTrue(took < 900, "the reconnect must be quicker than the coalescing window to mean anything: " + took + " ms");
        sleep(2_500);
        assertEquals(seen, presenceCount(f.bs(), f.a().id()), "a disconnect and reconnect within 1 s is no change");
        assertTrue(presenceOf(f.bs(), f.a().id()).get("online").asBoolean());
        again.close();
        assertFalse(awaitPresence(f.bs(), f.a().id(), seen + 1).get("online").asBoolean());
    }

    @Test
    void theUsersOfACrashedGatewayGoOfflineWithinAMinute() throws Exception {
        User a = newUser("crash");
        User b = newUser("crash");
        ChatSession as = connect(a, 1).keepAlive(java.time.Duration.ofSeconds(1));
        ChatSession bs = connectKept(b, 0);
        befriend(as, b, bs);
        sleep(2_000);
        int seen = presenceCount(bs, a.id());
        long killed = System.currentTimeMillis();
        launcher("kill-service", "gateway-1");
        try {
            long deadline = killed + 60_000;
            JsonNode off = null;
            while (off == null && System.currentTimeMillis() < deadline) {
                off = bs.received().stream().filter(e -> "presence".equals(e.get("type").asText())
                        && a.id().equals(e.get("data").get("userId").asText())).skip(seen).map(e -> e.get("data"))
                        .findFirst().orElse(null);
                sleep(100);
            }
            assertNotNull(off, "offline within 60 s of the crash");
            long took = System.currentTimeMillis() - killed;
            System.out.printf("presence: offline event %d ms after gateway-1 was killed%n", took);
            assertFalse(off.get("online").asBoolean());
            assertTrue(off.get("lastSeenAt").asLong() >= killed, "last seen no earlier than the crash");
            assertFalse(presenceOf(bs, a.id()).get("online").asBoolean());
        } finally {
            launcher("start-service", "gateway-1");
        }
        ChatSession back = connectKept(a, 1);
        assertTrue(awaitPresence(bs, a.id(), seen + 2).get("online").asBoolean(), "online again on the restarted gateway");
        back.close();
    }

    /** Restarts gateway-1 with these settings on top of the test stack's (none: as the stack runs it). */
    static void restartGateway1(java.util.Map<String, String> settings) throws Exception {
        launcher("stop-service", "gateway-1");
        ProcessBuilder start = new ProcessBuilder(required("TINYIM_TEST_LAUNCHER"), "start-service", "gateway-1").redirectErrorStream(true);
        start.environment().putAll(settings);
        Process p = start.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0, "gateway-1 did not start: " + out);
    }

    /**
     * 7.1: a connection lost without a close counts as closed once its route expires. A connection that stops
     * speaking (here for 1.5 s, by default 55 s) leaves the routing table: friends see its user offline, with the
     * last frame as lastSeenAt, and online again when it speaks.
     */
    @Test
    void aSilentConnectionIsOfflineUntilItSpeaksAgain() throws Exception {
        restartGateway1(java.util.Map.of("TINYIM_GATEWAY_PRESENCE_TIMEOUT", "1500ms", "TINYIM_GATEWAY_HEARTBEAT_TIMEOUT", "20s"));
        try {
            User a = newUser("silent");
            User b = newUser("silent");
            ChatSession as = connectKept(a, 0);
            ChatSession bs = connect(b, 1); // no heartbeat of its own
            befriend(as, b, bs);
            long spokeAt = System.currentTimeMillis();
            long deadline = spokeAt + 15_000;
            JsonNode off = null;
            while (off == null && System.currentTimeMillis() < deadline) {
                off = as.received().stream().filter(e -> "presence".equals(e.get("type").asText())
                        && b.id().equals(e.get("data").get("userId").asText()) && !e.get("data").get("online").asBoolean())
                        .map(e -> e.get("data")).findFirst().orElse(null);
                sleep(50);
            }
            assertNotNull(off, "the silent user went offline for their friend");
            assertTrue(off.get("lastSeenAt").asLong() <= spokeAt + 50, "last seen when it last spoke: " + off);
            assertFalse(presenceOf(as, b.id()).get("online").asBoolean());
            int seen = presenceCount(as, b.id());
            cmd(bs, "ping", obj());
            JsonNode back = awaitPresence(as, b.id(), seen + 1);
            assertTrue(back.get("online").asBoolean(), "online again once it speaks: " + back);
            send(as, "user", b.id(), "after-silence", "you are back");
            assertEquals("you are back", awaitEvent(bs, "msg").get("data").get("content").get("text").asText(),
                    "its route is back: pushes reach it again");
        } finally {
            restartGateway1(java.util.Map.of());
        }
    }
}
