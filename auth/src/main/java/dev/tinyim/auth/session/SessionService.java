package dev.tinyim.auth.session;

import dev.tinyim.auth.account.AccountStore;
import dev.tinyim.auth.account.Credentials;
import dev.tinyim.auth.account.PasswordHasher;
import dev.tinyim.auth.limit.LoginLimiter;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.push.Push;
import dev.tinyim.shared.push.PushBus;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.UUID;

/**
 * Sessions (PROTOCOL.md 3): login with its failure limits, one session per user and device type (a new login
 * supersedes the old one, whose connection is kicked), logout, and the gateways' check that a token's session
 * is still the current one.
 */
@ApplicationScoped
public class SessionService {
    private static final Logger LOG = Logger.getLogger(SessionService.class);

    private final AccountStore accounts;
    private final PasswordHasher hasher;
    private final SessionStore sessions;
    private final TokenIssuer tokens;
    private final LoginLimiter limiter;
    private final PushBus pushBus;

    public SessionService(AccountStore accounts, PasswordHasher hasher, SessionStore sessions, TokenIssuer tokens,
                          LoginLimiter limiter, PushBus pushBus) {
        this.accounts = accounts;
        this.hasher = hasher;
        this.sessions = sessions;
        this.tokens = tokens;
        this.limiter = limiter;
        this.pushBus = pushBus;
    }

    public record LoggedIn(long userId, String deviceType, TokenIssuer.Token token) {
    }

    public Uni<LoggedIn> login(String username, String password, String deviceType, String clientAddress) {
        return Uni.createFrom().voidItem()
                .invoke(() -> {
                    Credentials.checkDeviceType(deviceType);
                    if (username.isEmpty() || password.isEmpty()) {
                        throw ErrorCode.BAD_REQUEST.exception("username and password are required");
                    }
                })
                .chain(() -> limiter.check(username, clientAddress))
                .chain(() -> Credentials.validUsername(username) ? accounts.findByUsername(username) : Uni.createFrom().nullItem())
                .chain(account -> hasher.matches(password, account == null ? null : account.passwordHash())
                        .chain(ok -> {
                            if (!ok) {
                                return limiter.recordFailure(username, clientAddress)
                                        .chain(() -> Uni.createFrom().failure(
                                                ErrorCode.UNAUTHORIZED.exception("wrong username or password")));
                            }
                            return start(account.userId(), deviceType)
                                    .call(() -> limiter.trust(username, clientAddress).onFailure().recoverWithNull());
                        }));
    }

    private Uni<LoggedIn> start(long userId, String deviceType) {
        String sessionId = UUID.randomUUID().toString();
        long expiresAt = tokens.expiryFromNow();
        return sessions.replace(userId, deviceType, sessionId, expiresAt)
                .call(previous -> previous.isPresent()
                        ? kick(userId, deviceType, previous.get(), "same_device_login")
                        : Uni.createFrom().voidItem())
                .map(previous -> {
                    TokenIssuer.Token token = tokens.issue(userId, deviceType, sessionId, expiresAt);
                    LOG.infof("user %d logged in on %s (session %s)%s", userId, deviceType, sessionId,
                            previous.isPresent() ? ", superseding " + previous.get() : "");
                    return new LoggedIn(userId, deviceType, token);
                });
    }

    /** Ends the current session of that device type; its connection is kicked. */
    public Uni<Void> logout(long userId, String deviceType, String sessionId) {
        return sessions.revoke(userId, deviceType, sessionId)
                .chain(revoked -> revoked ? kick(userId, deviceType, sessionId, "logout")
                        : Uni.createFrom().failure(ErrorCode.UNAUTHORIZED.exception("session is not current")));
    }

    public Uni<Boolean> isCurrent(long userId, String deviceType, String sessionId) {
        return sessions.isCurrent(userId, deviceType, sessionId);
    }

    private Uni<Void> kick(long userId, String deviceType, String sessionId, String reason) {
        return pushBus.hint(Push.kick(userId, deviceType, sessionId, reason), "kick of user " + userId + "/" + deviceType);
    }
}
