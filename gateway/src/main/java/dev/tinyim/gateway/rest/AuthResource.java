package dev.tinyim.gateway.rest;

import dev.tinyim.gateway.backend.Backends;
import dev.tinyim.gateway.session.TokenVerifier;
import dev.tinyim.proto.auth.v1.LoginRequest;
import dev.tinyim.proto.auth.v1.LogoutRequest;
import dev.tinyim.proto.auth.v1.RegisterRequest;
import dev.tinyim.gateway.input.Args;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.error.ProtocolException;
import dev.tinyim.shared.grpc.Retry;
import dev.tinyim.shared.wire.WireJson;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;

/** REST register / login / logout, forwarded to auth over gRPC. */
@Path("/api/v1/auth")
public class AuthResource {
    private final Backends backends;
    private final TokenVerifier tokens;

    public AuthResource(Backends backends, TokenVerifier tokens) {
        this.backends = backends;
        this.tokens = tokens;
    }

    @POST
    @Path("/register")
    public Uni<Response> register(String body, @Context HttpServerRequest http) {
        try {
            JsonObject in = Args.body(body);
            RegisterRequest.Builder request = RegisterRequest.newBuilder()
                    .setUsername(Args.string(in, "username")).setPassword(Args.string(in, "password"))
                    .setClientAddress(address(http));
            String nickname = Args.optionalString(in, "nickname", null);
            if (nickname != null) {
                if (nickname.isEmpty()) {
                    return Uni.createFrom().item(ApiErrors.of(ErrorCode.BAD_REQUEST, "nickname must be 1-64 characters"));
                }
                request.setNickname(nickname);
            }
            return backends.auth(Retry.IF_NOT_SENT, s -> s.register(request.build()))
                    .map(r -> ApiErrors.json(201, new JsonObject().put("userId", WireJson.id(r.getUserId()))
                            .put("username", r.getUsername()).put("nickname", r.getNickname())))
                    .onFailure().recoverWithItem(ApiErrors::of);
        } catch (ProtocolException e) {
            return Uni.createFrom().item(ApiErrors.of(e));
        }
    }

    @POST
    @Path("/login")
    public Uni<Response> login(String body, @Context HttpServerRequest http) {
        try {
            JsonObject in = Args.body(body);
            LoginRequest request = LoginRequest.newBuilder()
                    .setUsername(Args.string(in, "username")).setPassword(Args.string(in, "password"))
                    .setDeviceType(Args.string(in, "deviceType")).setClientAddress(address(http)).build();
            // sent again, a login ends with the same outcome: one session for the device type, whose token is returned
            return backends.auth(Retry.IDEMPOTENT, s -> s.login(request))
                    .map(r -> ApiErrors.json(200, new JsonObject().put("userId", WireJson.id(r.getUserId()))
                            .put("token", r.getToken()).put("expiresAt", r.getExpiresAt()).put("deviceType", r.getDeviceType())))
                    .onFailure().recoverWithItem(ApiErrors::of);
        } catch (ProtocolException e) {
            return Uni.createFrom().item(ApiErrors.of(e));
        }
    }

    @POST
    @Path("/logout")
    public Uni<Response> logout(@HeaderParam("Authorization") String authorization) {
        var claims = tokens.verify(TokenVerifier.bearer(authorization));
        if (claims.isEmpty()) {
            return Uni.createFrom().item(ApiErrors.of(ErrorCode.UNAUTHORIZED, "missing or invalid token"));
        }
        var c = claims.get();
        return backends.auth(Retry.IF_NOT_SENT, s -> s.logout(LogoutRequest.newBuilder().setUserId(c.userId())
                        .setDeviceType(c.deviceType()).setSessionId(c.sessionId()).build()))
                .map(r -> Response.noContent().build())
                .onFailure().recoverWithItem(ApiErrors::of);
    }

    private static String address(HttpServerRequest http) {
        return http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress();
    }
}
