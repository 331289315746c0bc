package dev.tinyim.auth.grpc;

import dev.tinyim.auth.account.AccountService;
import dev.tinyim.auth.session.SessionService;
import dev.tinyim.proto.auth.v1.AuthService;
import dev.tinyim.proto.auth.v1.CheckSessionRequest;
import dev.tinyim.proto.auth.v1.CheckSessionResponse;
import dev.tinyim.proto.auth.v1.LoginRequest;
import dev.tinyim.proto.auth.v1.LoginResponse;
import dev.tinyim.proto.auth.v1.LogoutRequest;
import dev.tinyim.proto.auth.v1.LogoutResponse;
import dev.tinyim.proto.auth.v1.RegisterRequest;
import dev.tinyim.proto.auth.v1.RegisterResponse;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/**
 * The gRPC adapter of auth: register, login, logout and session checks, each one call of a domain service;
 * failures become protocol errors in one place ({@code ProtocolFailures}).
 */
@GrpcService
public class AuthGrpcService implements AuthService {
    private final AccountService accounts;
    private final SessionService sessions;

    public AuthGrpcService(AccountService accounts, SessionService sessions) {
        this.accounts = accounts;
        this.sessions = sessions;
    }

    @Override
    public Uni<RegisterResponse> register(RegisterRequest request) {
        return accounts.register(request.getUsername(), request.getPassword(), request.getNickname(), request.getClientAddress())
                .map(r -> RegisterResponse.newBuilder().setUserId(r.userId()).setUsername(r.username())
                        .setNickname(r.nickname()).build());
    }

    @Override
    public Uni<LoginResponse> login(LoginRequest request) {
        return sessions.login(request.getUsername(), request.getPassword(), request.getDeviceType(), request.getClientAddress())
                .map(s -> LoginResponse.newBuilder().setUserId(s.userId()).setToken(s.token().jwt())
                        .setExpiresAt(s.token().expiresAtMillis()).setDeviceType(s.deviceType()).build());
    }

    @Override
    public Uni<LogoutResponse> logout(LogoutRequest request) {
        return sessions.logout(request.getUserId(), request.getDeviceType(), request.getSessionId())
                .replaceWith(LogoutResponse.getDefaultInstance());
    }

    @Override
    public Uni<CheckSessionResponse> checkSession(CheckSessionRequest request) {
        return sessions.isCurrent(request.getUserId(), request.getDeviceType(), request.getSessionId())
                .map(current -> CheckSessionResponse.newBuilder().setCurrent(current).build());
    }
}
