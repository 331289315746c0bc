package dev.tinyim.shared.error;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The error codes of PROTOCOL.md section 6, with the HTTP status and gRPC status each maps to.
 * Services raise them with {@link #exception(String)}; the gateway reads them back with {@link #of(Throwable)}.
 */
public enum ErrorCode {
    BAD_REQUEST("bad_request", 400, Status.Code.INVALID_ARGUMENT),
    UNAUTHORIZED("unauthorized", 401, Status.Code.UNAUTHENTICATED),
    FORBIDDEN("forbidden", 403, Status.Code.PERMISSION_DENIED),
    NOT_FOUND("not_found", 404, Status.Code.NOT_FOUND),
    CONFLICT("conflict", 409, Status.Code.ALREADY_EXISTS),
    TOO_LARGE("too_large", 413, Status.Code.OUT_OF_RANGE),
    RATE_LIMITED("rate_limited", 429, Status.Code.RESOURCE_EXHAUSTED),
    UNAVAILABLE("unavailable", 503, Status.Code.UNAVAILABLE),
    INTERNAL("internal", 500, Status.Code.INTERNAL);

    public static final Metadata.Key<String> TRAILER =
            Metadata.Key.of("tinyim-error-code", Metadata.ASCII_STRING_MARSHALLER);
    /** Marks an {@code unavailable} that a service answered because it is over capacity (not down, not broken). */
    public static final Metadata.Key<String> OVERLOAD_TRAILER =
            Metadata.Key.of("tinyim-overload", Metadata.ASCII_STRING_MARSHALLER);

    private final String wire;
    private final int httpStatus;
    private final Status.Code grpcCode;

    ErrorCode(String wire, int httpStatus, Status.Code grpcCode) {
        this.wire = wire;
        this.httpStatus = httpStatus;
        this.grpcCode = grpcCode;
    }

    public String wire() {
        return wire;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** A gRPC failure that carries this code in a trailer and the message as its description. */
    public StatusRuntimeException exception(String message) {
        Metadata trailers = new Metadata();
        trailers.put(TRAILER, wire);
        return Status.fromCode(grpcCode).withDescription(message).asRuntimeException(trailers);
    }

    /**
     * {@code unavailable} because the service is over capacity: nothing was done, the client may resend, and a
     * caller that limits what it hands this service reads it as the signal to hand it less ({@link #isOverload}).
     */
    public static StatusRuntimeException overloaded(String message) {
        Metadata trailers = new Metadata();
        trailers.put(TRAILER, UNAVAILABLE.wire);
        trailers.put(OVERLOAD_TRAILER, "1");
        return Status.UNAVAILABLE.withDescription(message).asRuntimeException(trailers);
    }

    /** Whether the failure is a service's {@link #overloaded} answer. */
    public static boolean isOverload(Throwable failure) {
        return failure instanceof StatusRuntimeException sre && sre.getTrailers() != null
                && sre.getTrailers().containsKey(OVERLOAD_TRAILER);
    }

    public static ErrorCode fromWire(String wire) {
        for (ErrorCode code : values()) {
            if (code.wire.equals(wire)) {
                return code;
            }
        }
        return INTERNAL;
    }

    /** The protocol code behind any failure: our trailer if present, else the closest gRPC mapping. */
    public static ErrorCode of(Throwable failure) {
        if (failure instanceof StatusRuntimeException sre) {
            Metadata trailers = sre.getTrailers();
            if (trailers != null && trailers.get(TRAILER) != null) {
                return fromWire(trailers.get(TRAILER));
            }
            return switch (sre.getStatus().getCode()) {
                case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED -> UNAVAILABLE;
                case INVALID_ARGUMENT -> BAD_REQUEST;
                case NOT_FOUND -> NOT_FOUND;
                case PERMISSION_DENIED -> FORBIDDEN;
                case UNAUTHENTICATED -> UNAUTHORIZED;
                case RESOURCE_EXHAUSTED -> RATE_LIMITED;
                default -> INTERNAL;
            };
        }
        if (failure instanceof ProtocolException pe) {
            return pe.code();
        }
        if (failure instanceof io.smallrye.mutiny.TimeoutException) {
            return UNAVAILABLE;
        }
        return INTERNAL;
    }

    /** A message fit for a client: ours where we wrote one, a generic one otherwise. */
    public static String messageOf(Throwable failure) {
        if (failure instanceof StatusRuntimeException sre && sre.getTrailers() != null
                && sre.getTrailers().get(TRAILER) != null && sre.getStatus().getDescription() != null) {
            return sre.getStatus().getDescription();
        }
        if (failure instanceof ProtocolException pe) {
            return pe.getMessage();
        }
        return switch (of(failure)) {
            case UNAVAILABLE -> "service temporarily unavailable";
            default -> "internal error";
        };
    }
}
