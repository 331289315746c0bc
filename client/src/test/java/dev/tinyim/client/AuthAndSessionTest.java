package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/** PROTOCOL.md sections 1 and 2 for identity: registration rules, login, tokens, kick, logout. */
class AuthAndSessionTest {

    private static int register(String body) {
        return gateway(0).post("/api/v1/auth/register", body, null).await().atMost(WAIT).status();
    }

    @Test
    void registrationValidatesEveryField() {
        String name = uniqueName("val");
        assertEquals(400, register("{\"username\":\"ab\",\"password\":\"password1\"}"));
        assertEquals(400, register("{\"username\":\"" + "a".repeat(33) + "\",\"password\":\"password1\"}"));
        assertEquals(400, register("{\"username\":\"bad name\",\"password\":\"password1\"}"));
        assertEquals(400, register("{\"username\":\"" + name + "\",\"password\":\"short\"}"));
        assertEquals(400, register("{\"username\":\"" + name + "\",\"password\":\"" + "p".repeat(129) + "\"}"));
        assertEquals(400, register("{\"username\":\"" + name + "\",\"password\":\"password1\",\"nickname\":\"\"}"));
        assertEquals(400, register("{\"username\":\"" + name + "\",\"password\":\"password1\",\"nickname\":\"" + "n".repeat(65) + "\"}"));
        assertEquals(400, register("not json"));
        assertEquals(400, register("{\"username\":5,\"password\":\"password1\"}"));
        var bad = gateway(0).post("/api/v1/auth/register", "{}", null).await().atMost(WAIT);
        assertEquals("bad_request", bad.errorCode());
        // nothing was created by the refused attempts
        assertEquals(201, register("{\"username\":\"" + name + "\",\"password\":\"password1\"}"));
        var dup = gateway(1).post("/api/v1/auth/register", "{\"username\":\"" + name.toUpperCase() + "\",\"password\":\"password1\"}", null)
                .await().atMost(WAIT);
        assertEquals(409, dup.status());
        assertEquals("conflict", dup.errorCode());
    }

    @Test
    void loginChecksPasswordAndDeviceType() {
        User u = newUser("login");
        var wrong = gateway(0).post("/api/v1/auth/login",
                "{\"username\":\"" + u.username() + "\",\"password\":\"wrongpass\",\"deviceType\":\"web\"}", null).await().atMost(WAIT);
        assertEquals(401, wrong.status());
        assertEquals("unauthorized", wrong.errorCode());
        var device = gateway(0).post("/api/v1/auth/login",
                "{\"username\":\"" + u.username() + "\",\"password\":\"password1\",\"deviceType\":\"fridge\"}", null).await().atMost(WAIT);
        assertEquals(400, device.status());
        JsonNode ok = gateway(0).login(u.username().toUpperCase(), "password1", "mobile").await().atMost(WAIT);
        assertEquals(u.id(), ok.get("userId").asText());
        assertEquals("mobile", ok.get("deviceType").asText());
        assertTrue(ok.get("expiresAt").asLong() > System.currentTimeMillis());
    }

    @Test
    void forgedTokensAreRefusedWith4003() throws Exception {
        User u = newUser("forge");
        String[] parts = u.token().split("\\.");
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String none = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".";
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String tampered = parts[0] + "." + b64.encodeToString(payload.replace("\"sub\":\"" + u.id() + "\"", "\"sub\":\"1\"")
                .getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        // the classic confusion attack: HS256, "signed" with the server's public key as the HMAC secret
        java.nio.file.Path publicKey = java.nio.file.Path.of(required("TINYIM_TEST_LAUNCHER")).getParent()
                .resolve(".tinyim/test/keys/jwt-public.pem");
        String hsInput = b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1];
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(java.nio.file.Files.readAllBytes(publicKey), "HmacSHA256"));
        String hs256 = hsInput + "." + b64.encodeToString(mac.doFinal(hsInput.getBytes(StandardCharsets.UTF_8)));
        // correctly signed by the server's own key, but expired a minute ago
        com.fasterxml.jackson.databind.node.ObjectNode claims = (com.fasterxml.jackson.databind.node.ObjectNode) TinyImClient.JSON.readTree(payload);
        claims.put("exp", System.currentTimeMillis() / 1000 - 60);
        dev.tinyim.client.bench.DevTokens server = dev.tinyim.client.bench.DevTokens.fromPem(
                java.nio.file.Path.of(required("TINYIM_TEST_LAUNCHER")).getParent().resolve(".tinyim/test/keys/jwt-private.pem"));
        String expired = server.sign(claims.toString());
        // well formed and unexpired, signed by a key the server has never seen
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String foreign = new dev.tinyim.client.bench.DevTokens(generator.generateKeyPair().getPrivate()).sign(payload);
        // control: the same signing path with the right key and claims gives a token the server accepts
        ChatSession genuine = ChatSession.open(wsUrl(0), server.sign(payload), false).await().atMost(WAIT);
        assertEquals(u.id(), genuine.authResult().get("userId").asText());
        genuine.close();
        for (String token : new String[] {none, tampered, hs256, expired, foreign, "garbage"}) {
            ChatSession s = ChatSession.raw(wsUrl(0), null).await().atMost(WAIT);
            s.sendText("{\"type\":\"auth\",\"id\":\"a1\",\"data\":{\"token\":\"" + token + "\"}}").await().atMost(WAIT);
            assertEquals(4003, awaitClose(s), "token " + token);
            assertEquals(401, gateway(0).logout(token).await().atMost(WAIT).status());
        }
        ChatSession header = ChatSession.raw(wsUrl(1), tampered).await().atMost(WAIT);
        assertEquals(4003, awaitClose(header));
    }

    @Test
    void headerLoginGetsUnpromptedAuthResult() {
        User u = newUser("header");
        ChatSession s = ChatSession.open(wsUrl(1), u.token(), true).await().atMost(WAIT);
        assertEquals(u.id(), s.authResult().get("userId").asText());
        assertEquals(0, s.authResult().get("maxSeq").asLong());
        assertEquals(0, s.authResult().get("ackedSeq").asLong());
        s.close();
    }

    @Test
    void secondLoginOnSameDeviceKicksFirstAcrossGateways() {
        User web = newUser("kick");
        ChatSession first = connect(web, 0);
        User mobile = login(web.username(), "mobile");
        ChatSession phone = connect(mobile, 1);
        User webAgain = login(web.username(), "web");
        JsonNode kicked = awaitEvent(first, "kicked");
        assertEquals("same_device_login", kicked.get("data").get("reason").asText());
        assertEquals(4001, awaitClose(first));
        // the old token no longer works anywhere
        ChatSession stale = ChatSession.raw(wsUrl(1), null).await().atMost(WAIT);
        stale.sendText("{\"type\":\"auth\",\"id\":\"a\",\"data\":{\"token\":\"" + web.token() + "\"}}").await().atMost(WAIT);
        assertEquals(4003, awaitClose(stale));
        assertEquals(401, gateway(0).logout(web.token()).await().atMost(WAIT).status());
        // the other device type stays online, and the new web session works
        assertFalse(phone.isClosed());
        assertNotNull(cmd(phone, "ping", obj()).get("serverTime"));
        ChatSession second = connect(webAgain, 1);
        assertNotNull(cmd(second, "ping", obj()).get("serverTime"));
        second.close();
        phone.close();
    }

    @Test
    void sameTokenReconnectReplacesTheOldConnection() {
        User u = newUser("replace");
        ChatSession first = connect(u, 0);
        ChatSession second = connect(u, 1);
        assertEquals("replaced", awaitEvent(first, "kicked").get("data").get("reason").asText());
        assertEquals(4001, awaitClose(first));
        assertNotNull(cmd(second, "ping", obj()).get("serverTime"));
        second.close();
    }

    @Test
    void logoutClosesTheSessionWith4001() {
        User u = newUser("logout");
        ChatSession s = connect(u, 1);
        assertEquals(204, gateway(0).logout(u.token()).await().atMost(WAIT).status());
        assertEquals("logout", awaitEvent(s, "kicked").get("data").get("reason").asText());
        assertEquals(4001, awaitClose(s));
        assertEquals(401, gateway(0).logout(u.token()).await().atMost(WAIT).status());
    }

    @Test
    void failedLoginsAreRateLimitedPerUsernameWhileOthersLogIn() {
        User victim = newUser("victim");
        User other = newUser("other");
        int limited = 0;
        for (int i = 0; i < 15; i++) {
            var r = gateway(0).post("/api/v1/auth/login",
                    "{\"username\":\"" + victim.username() + "\",\"password\":\"nope-nope\",\"deviceType\":\"web\"}", null).await().atMost(WAIT);
            if (r.status() == 429) {
                assertEquals("rate_limited", r.errorCode());
                limited++;
            } else {
                assertEquals(401, r.status());
            }
        }
        assertTrue(limited >= 5, "expected 429 after 10 failures, got " + limited);
        assertEquals(other.id(), gateway(1).login(other.username(), "password1", "web").await().atMost(WAIT).get("userId").asText());
    }
}
