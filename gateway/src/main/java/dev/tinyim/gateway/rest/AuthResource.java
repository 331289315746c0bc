package dev.tinyim.gateway.rest;

import dev.tinyim.gateway.backend.Backends;
import dev.tinyim.gateway.session.TokenVerifier;
import dev.tinyim.proto.auth.v1.LoginRequest;
import dev.tinyim.proto.auth.v1.LogoutRequest;
import dev.tinyim.proto.auth.v1.RegisterRequest;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.wire.WireJson;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
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
        JsonObject in;
        try {
            in = parse(body);
            RegisterRequest.Builder request = RegisterRequest.newBuilder()
                    .setUsername(field(in, "username", true)).setPassword(field(in, "password", true))
                    .setClientAddress(address(http));
            String nickname = field(in, "nickname", false);
            if (nickname != null) {
                if (nickname.isEmpty()) {
                    return Uni.createFrom().item(ApiErrors.of(ErrorCode.BAD_REQUEST, "nickname must be 1-64 characters"));
                }
                request.setNickname(nickname);
            }
            return backends.auth(s -> s.register(request.build()))
                    .map(r -> ApiErrors.json(201, new JsonObject().put("userId", WireJson.id(r.getUserId()))
                            .put("username", r.getUsername()).put("nickname", r.getNickname())))
                    .onFailure().recoverWithItem(ApiErrors::of);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().item(ApiErrors.of(ErrorCode.BAD_REQUEST, e.getMessage()));
        }
    }

    @POST
    @Path("/login")
    public Uni<Response> login(String body, @Context HttpServerRequest http) {
        try {
            JsonObject in = parse(body);
            LoginRequest request = LoginRequest.newBuilder()
                    .setUsername(field(in, "username", true)).setPassword(field(in, "password", true))
                    .setDeviceType(field(in, "deviceType", true)).setClientAddress(address(http)).build();
            return backends.auth(s -> s.login(request))
                    .map(r -> ApiErrors.json(200, new JsonObject().put("userId", WireJson.id(r.getUserId()))
                            .put("token", r.getToken()).put("expiresAt", r.getExpiresAt()).put("deviceType", r.getDeviceType())))
                    .onFailure().recoverWithItem(ApiErrors::of);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().item(ApiErrors.of(ErrorCode.BAD_REQUEST, e.getMessage()));
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
        return backends.auth(s -> s.logout(LogoutRequest.newBuilder().setUserId(c.userId())
                        .setDeviceType(c.deviceType()).setSessionId(c.sessionId()).build()))
                .map(r -> Response.noContent().build())
                .onFailure().recoverWithItem(ApiErrors::of);
    }

    private static JsonObject parse(String body) {
        if (body == null || body.isBlank()) {
            throw new IllegalArgumentException("a JSON body is required");
        }
        try {
            return new JsonObject(body);
        } catch (DecodeException | ClassCastException e) {
            throw new IllegalArgumentException("body is not a JSON object");
        }
    }

    private static String field(JsonObject in, String name, boolean required) {
        Object value = in.getValue(name);
        if (value == null) {
            if (required) {
                throw new IllegalArgumentException(name + " is required");
            }
            return null;
        }
        if (!(value instanceof String s)) {
            throw new IllegalArgumentException(name + " must be a string");
        }
        return s;
    }

    private static String address(HttpServerRequest http) {
        return http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress();
    }
}
