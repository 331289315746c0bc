package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/** Hostile input and hostile clients (issue: reliability and security). JWT attacks are in AuthAndSessionTest. */
class SecurityTest {
    private static final List<String> HOSTILE = List.of(
            "' OR '1'='1", "\"; DROP TABLE accounts; --", "1; DELETE FROM timeline", "<script>alert(1)</script>",
            "${jndi:ldap://127.0.0.1/x}", "%s%s%n", "\u202Egnp.exe", "nul\u0000byte", "😀 emoji \uD83D\uDE00", "\\u0000 \\\" \\\\");

    @Test
    void hostileStringsAreStoredAsTextInEveryField() {
        User a = newUser("hostile");
        User b = newUser("hostile");
        ChatSession as = connect(a, 0);
        ChatSession bs = connect(b, 1);
        befriend(as, b, bs);
        String gid = cmd(as, "group.create", obj().put("name", "g")).get("group").get("groupId").asText();
        int n = 0;
        for (String s : HOSTILE) {
            String nickname = s.length() > 64 ? s.substring(0, 64) : s;
            assertEquals(nickname, cmd(as, "user.update", obj().put("nickname", nickname)).get("nickname").asText());
            assertEquals(nickname, cmd(bs, "user.get", obj().put("userId", a.id())).get("nickname").asText());
            JsonNode sent = send(as, "user", b.id(), "h" + n, s);
            JsonNode got = cmd(bs, "msg.history", obj().put("conversationId", sent.get("conversationId").asText()).put("limit", 1));
            assertEquals(s, got.get("messages").get(0).get("content").get("text").asText(), "text round-trips exactly");
            assertEquals(s, cmd(as, "group.create", obj().put("name", s)).get("group").get("name").asText());
            // the same strings where ids, ids-with-prefixes and client ids are expected
            assertEquals("bad_request", errorOf(as, "user.get", obj().put("userId", s)));
            assertEquals("bad_request", errorOf(as, "group.join", obj().put("groupId", s)));
            assertEquals("bad_request", errorOf(as, "friend.accept", obj().put("requestId", s)));
            assertTrue(List.of("bad_request", "forbidden").contains(errorOf(as, "msg.history", obj().put("conversationId", s))));
            assertTrue(List.of("bad_request", "not_found").contains(errorOf(as, "user.find", obj().put("username", s))));
            n++;
        }
        // clientMsgId may hold any 1-64 characters: it is data, not code
        send(as, "group", gid, "' OR 1=1 --", "quoted id");
        JsonNode quoted = cmd(as, "msg.history", obj().put("conversationId", "g:" + gid).put("limit", 1)).get("messages").get(0);
        assertEquals("' OR 1=1 --", quoted.get("clientMsgId").asText());
        // and everything still works: the tables are there, registration and login too
        User after = newUser("after");
        assertNotNull(after.token());
        assertEquals(HOSTILE.size(), cmd(bs, "msg.sync", obj().put("afterSeq", 0)).get("messages").size());
        as.close();
        bs.close();
    }

    @Test
    void malformedAndDeeplyNestedJsonIsRefusedAndTheConnectionStays() {
        ChatSession s = connect(newUser("nested"), 0);
        String deep = "[".repeat(20_000) + "]".repeat(20_000); // 40 KB, under the frame limit
        // frame -> the id its result carries (null where the frame could not be parsed at all)
        Map<String, String> frames = new java.util.LinkedHashMap<>();
        frames.put("{\"type\":\"ping\",\"id\":\"d1\",\"data\":" + deep + "}", null);
        frames.put("{\"type\":\"ping\",\"id\":\"d2\",\"data\":{\"a\":" + "{\"a\":".repeat(5_000) + "1" + "}".repeat(5_001) + "}", null);
        frames.put("{\"type\":\"msg.sync\",\"id\":\"d3\",\"data\":{\"afterSeq\":1e400}}", "d3");
        frames.put("{\"type\":\"msg.sync\",\"id\":\"d4\",\"data\":{\"afterSeq\":\"0\",\"limit\":[1]}}", "d4");
        frames.put("{\"type\":\"user.get\",\"id\":\"d5\",\"data\":{\"userId\":99999999999999999999999999}}", "d5");
        frames.put("{\"type\":\"msg.send\",\"id\":\"d6\",\"data\":{\"to\":\"x\",\"clientMsgId\":{},\"content\":[]}}", "d6");
        for (Map.Entry<String, String> frame : frames.entrySet()) {
            JsonNode result = s.sendRaw(frame.getValue(), frame.getKey()).await().atMost(WAIT);
            assertFalse(result.get("ok").asBoolean(), frame.getKey().substring(0, 40));
            assertEquals("bad_request", result.get("error").get("code").asText());
        }
        assertNotNull(cmd(s, "ping", obj()).get("serverTime"), "the connection is still open");
        s.close();
    }

    @Test
    void halfDoneHandshakesAreDroppedWhileOthersAreServed() throws Exception {
        URI gateway = URI.create(GATEWAYS.get(0));
        List<Socket> slow = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            Socket socket = new Socket(gateway.getHost(), gateway.getPort());
            socket.getOutputStream().write(("GET /ws HTTP/1.1\r\nHost: " + gateway.getHost() + "\r\nUpgrade: websocket\r\n")
                    .getBytes(StandardCharsets.US_ASCII)); // and never the rest
            slow.add(socket);
        }
        ChatSession normal = connect(newUser("patient"), 0);
        assertNotNull(cmd(normal, "ping", obj()).get("serverTime"), "the gateway serves others meanwhile");
        normal.close();
        long limit = Long.parseLong(required("TINYIM_TEST_IDLE_TIMEOUT_MS")) + 5_000;
        long started = System.currentTimeMillis();
        for (Socket socket : slow) {
            socket.setSoTimeout((int) Math.max(1, limit - (System.currentTimeMillis() - started)));
            InputStream in = socket.getInputStream();
            try {
                while (in.read() >= 0) {
                    // a 408 or similar before the close is fine
                }
            } catch (java.net.SocketTimeoutException e) {
                fail("a half-done handshake was still open after " + limit + " ms");
            } catch (IOException closed) {
                // reset by the server: dropped
            }
            socket.close();
        }
    }

    /**
     * 10,000 failed logins from one address (127.0.0.5) for many usernames: past the address limit they are
     * refused with 429 before any password is hashed, while a user who signed in from there before, and
     * anyone from another address, still log in.
     */
    @Test
    void tenThousandBadLoginsAreRefusedWhileRealUsersLogIn() throws Exception {
        URI gateway = URI.create(GATEWAYS.get(0));
        InetAddress attacker = InetAddress.getByName("127.0.0.5");
        String regular = uniqueName("regular");
        String body = "{\"username\":\"" + regular + "\",\"password\":\"password1\"}";
        try (RawHttp http = new RawHttp(gateway, attacker)) {
            assertEquals(201, http.post("/api/v1/auth/register", body));
        }
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> work = new ArrayList<>();
        long started = System.currentTimeMillis();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            work.add(pool.submit(() -> {
                try (RawHttp http = new RawHttp(gateway, attacker)) {
                    for (int i = 0; i < 1250; i++) {
                        int status = http.post("/api/v1/auth/login", "{\"username\":\"victim" + thread + "_" + (i % 300)
                                + "\",\"password\":\"guess-" + i + "\",\"deviceType\":\"web\"}");
                        statuses.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                    }
                }
                return null;
            }));
        }
        // during the flood: the regular user of that address, and a user from elsewhere, log in
        sleep(1000);
        try (RawHttp http = new RawHttp(gateway, attacker)) {
            assertEquals(200, http.post("/api/v1/auth/login", body.replace("}", ",\"deviceType\":\"web\"}")));
        }
        User elsewhere = newUser("elsewhere");
        assertNotNull(login(elsewhere.username(), "mobile").token());
        for (Future<?> f : work) {
            f.get();
        }
        pool.shutdown();
        long took = System.currentTimeMillis() - started;
        int total = statuses.values().stream().mapToInt(AtomicInteger::get).sum();
        assertEquals(10_000, total);
        assertTrue(statuses.getOrDefault(429, new AtomicInteger()).get() >= 9_800, "refused: " + statuses);
        assertTrue(statuses.keySet().stream().allMatch(s -> s == 401 || s == 429), "only 401 and 429: " + statuses);
        System.out.printf("10,000 bad logins from one address in %d ms: %s%n", took, statuses);
    }

    /** A minimal HTTP/1.1 client over one keep-alive socket bound to a chosen loopback source address. */
    static final class RawHttp implements AutoCloseable {
        private final Socket socket = new Socket();
        private final URI base;
        private final OutputStream out;
        private final InputStream in;

        RawHttp(URI base, InetAddress from) throws IOException {
            this.base = base;
            socket.bind(new InetSocketAddress(from, 0));
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5_000);
            socket.setSoTimeout(15_000);
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            in = new java.io.BufferedInputStream(socket.getInputStream());
        }

        int post(String path, String json) throws IOException {
            byte[] content = json.getBytes(StandardCharsets.UTF_8);
            java.io.ByteArrayOutputStream request = new java.io.ByteArrayOutputStream();
            request.write(("POST " + path + " HTTP/1.1\r\nHost: " + base.getHost() + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + content.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            request.write(content);
            out.write(request.toByteArray()); // one write: no Nagle wait between headers and body
            out.flush();
            String status = line();
            int length = 0;
            for (String header = line(); !header.isEmpty(); header = line()) {
                if (header.toLowerCase().startsWith("content-length:")) {
                    length = Integer.parseInt(header.substring(15).trim());
                }
            }
            in.readNBytes(length);
            return Integer.parseInt(status.split(" ")[1]);
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new IOException("connection closed");
                }
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
