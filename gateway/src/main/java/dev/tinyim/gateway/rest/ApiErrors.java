package dev.tinyim.gateway.rest;

import dev.tinyim.shared.error.ErrorCode;
import io.vertx.core.json.JsonObject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** REST error bodies of PROTOCOL.md section 1: the fitting HTTP status and {"error":{"code","message"}}. */
final class ApiErrors {
    private ApiErrors() {
    }

    static Response of(ErrorCode code, String message) {
        return Response.status(code.httpStatus()).type(MediaType.APPLICATION_JSON)
                .entity(new JsonObject().put("error", new JsonObject().put("code", code.wire()).put("message", message)).encode())
                .build();
    }

    static Response of(Throwable failure) {
        return of(ErrorCode.of(failure), ErrorCode.messageOf(failure));
    }

    static Response json(int status, JsonObject body) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body.encode()).build();
    }
}
