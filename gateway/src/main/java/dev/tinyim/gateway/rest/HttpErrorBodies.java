package dev.tinyim.gateway.rest;

import dev.tinyim.shared.error.ErrorCode;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every REST error carries PROTOCOL.md's body {"error":{"code","message"}}, also those the framework produces
 * itself: an unknown path (404 not_found), a wrong method or content type (405 / 415, bad_request), and a
 * body the server cut off at its 1 MiB limit (413 too_large; bodies over 64 KiB are refused by Args.body).
 */
@ApplicationScoped
public class HttpErrorBodies {

    @ServerExceptionMapper
    public Response unknownPath(NotFoundException e) {
        return ApiErrors.of(ErrorCode.NOT_FOUND, "no such resource");
    }

    @ServerExceptionMapper
    public Response wrongMethod(NotAllowedException e) {
        return ApiErrors.json(405, body(ErrorCode.BAD_REQUEST, "method not allowed here"));
    }

    @ServerExceptionMapper
    public Response wrongContentType(NotSupportedException e) {
        return ApiErrors.json(415, body(ErrorCode.BAD_REQUEST, "send application/json"));
    }

    void bodyLimit(@Observes Router router) {
        router.errorHandler(413, ctx -> end(ctx, 413, ErrorCode.TOO_LARGE, "request body is larger than 64 KiB"));
        router.errorHandler(404, ctx -> end(ctx, 404, ErrorCode.NOT_FOUND, "no such resource"));
    }

    private static void end(RoutingContext ctx, int status, ErrorCode code, String message) {
        if (!ctx.response().ended()) {
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body(code, message).encode());
        }
    }

    private static JsonObject body(ErrorCode code, String message) {
        return new JsonObject().put("error", new JsonObject().put("code", code.wire()).put("message", message));
    }
}
