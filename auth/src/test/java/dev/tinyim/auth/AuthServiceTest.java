package dev.tinyim.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tinyim.auth.account.AccountStore;
import dev.tinyim.auth.account.PasswordHasher;
import dev.tinyim.proto.auth.v1.AuthServiceGrpc;
import dev.tinyim.proto.auth.v1.CheckSessionRequest;
import dev.tinyim.proto.auth.v1.LoginRequest;
import dev.tinyim.proto.auth.v1.LoginResponse;
import dev.tinyim.proto.auth.v1.LogoutRequest;
import dev.tinyim.proto.auth.v1.RegisterRequest;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.testing.LocalInfrastructure;
import dev.tinyim.shared.testing.ServiceUnderTest;
import io.grpc.ManagedChannel;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.tinyim.shared.testing.ServiceUnderTest.codeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Auth on its own (its gRPC API in this JVM, real MariaDB and Redis): sessions, tokens, the failure limits and
 * input rules. Registration's happy path needs relation (the profile) and is covered end to end in client.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfrastructure.class, restrictToAnnotatedClass = true)
class AuthServiceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    AccountStore accounts;
    @Inject
    PasswordHasher hasher;

    private ManagedChannel channel;
    private AuthServiceGrpc.AuthServiceBlockingStub auth;

    @BeforeEach
    void connect() {
        channel = ServiceUnderTest.channel();
        auth = AuthServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        ServiceUnderTest.close(channel);
    }

    /** An account made through the store (as registration does before the profile), its username. */
    private String account() {
        String username = "authtest_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        hasher.hash("password1").chain(hash -> accounts.create(username, hash)).await().atMost(Duration.ofSeconds(30));
        return username;
    }

    private LoginResponse login(String username, String password, String device, String address) {
        return auth.login(LoginRequest.newBuilder().setUsername(username).setPassword(password).setDeviceType(device)
                .setClientAddress(address).build());
    }

    private static JsonNode claims(String jwt) throws Exception {
        String[] parts = jwt.split("\\.");
        assertEquals(3, parts.length, "a signed JWT has three parts");
        JsonNode header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
        assertEquals("RS256", header.get("alg").asText());
        return JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
    }

    private boolean current(long userId, String device, String sessionId) {
        return auth.checkSession(CheckSessionRequest.newBuilder().setUserId(userId).setDeviceType(device)
                .setSessionId(sessionId).build()).getCurrent();
    }

    @Test
    void aLoginIsOneSessionPerDeviceTypeAndANewOneSupersedesTheOld() throws Exception {
        String username = account();
        LoginResponse first = login(username, "password1", "web", "127.0.0.61");
        JsonNode c1 = claims(first.getToken());
        assertEquals(Long.toString(first.getUserId()), c1.get("sub").asText());
        assertEquals("web", c1.get("dt").asText());
        assertTrue(first.getExpiresAt() > System.currentTimeMillis());
        String sid1 = c1.get("sid").asText();
        assertTrue(current(first.getUserId(), "web", sid1));

        String mobileSid = claims(login(username, "password1", "mobile", "127.0.0.61").getToken()).get("sid").asText();
        assertTrue(current(first.getUserId(), "web", sid1), "another device type leaves the web session alone");

        String sid2 = claims(login(username, "password1", "web", "127.0.0.61").getToken()).get("sid").asText();
        assertNotEquals(sid1, sid2);
        assertFalse(current(first.getUserId(), "web", sid1), "the second web login supersedes the first");
        assertTrue(current(first.getUserId(), "web", sid2));
        assertTrue(current(first.getUserId(), "mobile", mobileSid));
    }

    @Test
    void logoutEndsTheSessionOnce() throws Exception {
        String username = account();
        LoginResponse login = login(username, "password1", "desktop", "127.0.0.62");
        String sid = claims(login.getToken()).get("sid").asText();
        LogoutRequest logout = LogoutRequest.newBuilder().setUserId(login.getUserId()).setDeviceType("desktop").setSessionId(sid).build();
        auth.logout(logout);
        assertFalse(current(login.getUserId(), "desktop", sid));
        assertEquals(ErrorCode.UNAUTHORIZED, codeOf(() -> auth.logout(logout)), "a session ends once");
    }

    @Test
    void wrongPasswordsAreUnauthorizedAndPastTheLimitEvenTheRightOneIsRateLimited() {
        String username = account();
        String address = "127.0.0.63";
        assertEquals(ErrorCode.UNAUTHORIZED, codeOf(() -> login("nobody_" + UUID.randomUUID().toString().substring(0, 8),
                "password1", "web", address)), "an unknown user looks like a wrong password");
        for (int i = 0; i < 10; i++) {
            assertEquals(ErrorCode.UNAUTHORIZED, codeOf(() -> login(username, "wrong-password", "web", address)));
        }
        assertEquals(ErrorCode.RATE_LIMITED, codeOf(() -> login(username, "password1", "web", address)),
                "10 failures for one username within the window: refused before the password is checked");
    }

    @Test
    void badInputIsBadRequestAndCreatesNothing() {
        String username = account();
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> login(username, "password1", "toaster", "127.0.0.64")));
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> login("", "password1", "web", "127.0.0.64")));
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> login(username, "", "web", "127.0.0.64")));
        String shortPassword = "sh0rt_" + UUID.randomUUID().toString().substring(0, 8);
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> auth.register(RegisterRequest.newBuilder()
                .setUsername(shortPassword).setPassword("short").setClientAddress("127.0.0.64").build())));
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> auth.register(RegisterRequest.newBuilder()
                .setUsername("no spaces allowed").setPassword("password1").setClientAddress("127.0.0.64").build())));
        assertEquals(null, accounts.findByUsername(shortPassword).await().atMost(Duration.ofSeconds(10)),
                "a refused registration leaves no account");
    }
}
