package dev.tinyim.auth.grpc;

import dev.tinyim.auth.account.AccountStore;
import dev.tinyim.auth.account.Credentials;
import dev.tinyim.auth.account.PasswordHasher;
import dev.tinyim.auth.limit.LoginLimiter;
import dev.tinyim.auth.session.SessionStore;
import dev.tinyim.auth.session.TokenIssuer;
import dev.tinyim.proto.auth.v1.AuthService;
import dev.tinyim.proto.auth.v1.CheckSessionRequest;
import dev.tinyim.proto.auth.v1.CheckSessionResponse;
import dev.tinyim.proto.auth.v1.LoginRequest;
import dev.tinyim.proto.auth.v1.LoginResponse;
import dev.tinyim.proto.auth.v1.LogoutRequest;
import dev.tinyim.proto.auth.v1.LogoutResponse;
import dev.tinyim.proto.auth.v1.RegisterRequest;
import dev.tinyim.proto.auth.v1.RegisterResponse;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.push.Push;
import dev.tinyim.shared.push.PushBus;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import org.jboss.logging.Logger;

import java.util.UUID;

/** Register, login, logout and session checks. A superseded or logged-out session's connection is kicked. */
@GrpcService
public class AuthGrpcService implements AuthService {
    private static final Logger LOG = Logger.getLogger(AuthGrpcService.class);

    private final AccountStore accounts;
    private final PasswordHasher hasher;
    private final SessionStore sessions;
    private final TokenIssuer tokens;
    private final LoginLimiter limiter;
    private final ProfileClient profiles;
    private final PushBus pushBus;

    public AuthGrpcService(AccountStore accounts, PasswordHasher hasher, SessionStore sessions, TokenIssuer tokens,
                           LoginLimiter limiter, ProfileClient profiles, PushBus pushBus) {
        this.accounts = accounts;
        this.hasher = hasher;
        this.sessions = sessions;
        this.tokens = tokens;
        this.limiter = limiter;
        this.profiles = profiles;
        this.pushBus = pushBus;
    }

    @Override
    public Uni<RegisterResponse> register(RegisterRequest request) {
        String username = request.getUsername();
        String nickname = request.getNickname().isEmpty() ? username : request.getNickname();
        return Uni.createFrom().item(request)
                .invoke(r -> Credentials.checkRegistration(username, r.getPassword(), r.getNickname()))
                .chain(r -> hasher.hash(r.getPassword()))
                .chain(hash -> accounts.create(username, hash))
                .call(userId -> profiles.create(userId, username, nickname)
                        .onFailure().call(e -> {
                            LOG.warnf("profile creation for user %d failed (%s); removing the account", userId, e.getMessage());
                            return accounts.delete(userId);
                        }))
                .call(userId -> limiter.trust(username, request.getClientAddress()).onFailure().recoverWithNull())
                .invoke(userId -> LOG.infof("registered user %d (%s)", userId, username))
                .map(userId -> RegisterResponse.newBuilder()
                        .setUserId(userId).setUsername(username).setNickname(nickname).build());
    }

    @Override
    public Uni<LoginResponse> login(LoginRequest request) {
        String username = request.getUsername();
        String address = request.getClientAddress();
        return Uni.createFrom().item(request)
                .invoke(r -> {
                    Credentials.checkDeviceType(r.getDeviceType());
                    if (r.getUsername().isEmpty() || r.getPassword().isEmpty()) {
                        throw ErrorCode.BAD_REQUEST.exception("username and password are required");
                    }
                })
                .chain(r -> limiter.check(username, address))
                .chain(() -> Credentials.validUsername(username) ? accounts.findByUsername(username) : Uni.createFrom().nullItem())
                .chain(account -> hasher.matches(request.getPassword(), account == null ? null : account.passwordHash())
                        .chain(ok -> {
                            if (!ok) {
                                return limiter.recordFailure(username, address)
                                        .chain(() -> Uni.createFrom().failure(
                                                ErrorCode.UNAUTHORIZED.exception("wrong username or password")));
                            }
                            return startSession(account.userId(), request.getDeviceType())
                                    .call(() -> limiter.trust(username, address).onFailure().recoverWithNull());
                        }));
    }

    private Uni<LoginResponse> startSession(long userId, String deviceType) {
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
                    return LoginResponse.newBuilder().setUserId(userId).setToken(token.jwt())
                            .setExpiresAt(token.expiresAtMillis()).setDeviceType(deviceType).build();
                });
    }

    @Override
    public Uni<LogoutResponse> logout(LogoutRequest request) {
        return sessions.revoke(request.getUserId(), request.getDeviceType(), request.getSessionId())
                .chain(revoked -> {
                    if (!revoked) {
                        return Uni.createFrom().failure(ErrorCode.UNAUTHORIZED.exception("session is not current"));
                    }
                    return kick(request.getUserId(), request.getDeviceType(), request.getSessionId(), "logout");
                })
                .replaceWith(LogoutResponse.getDefaultInstance());
    }

    @Override
    public Uni<CheckSessionResponse> checkSession(CheckSessionRequest request) {
        return sessions.isCurrent(request.getUserId(), request.getDeviceType(), request.getSessionId())
                .map(current -> CheckSessionResponse.newBuilder().setCurrent(current).build());
    }

    private Uni<Void> kick(long userId, String deviceType, String sessionId, String reason) {
        return pushBus.publish(Push.kick(userId, deviceType, sessionId, reason))
                .onFailure().invoke(e -> LOG.warnf("kick of user %d/%s not published: %s", userId, deviceType, e.getMessage()))
                .onFailure().recoverWithNull();
    }
}
