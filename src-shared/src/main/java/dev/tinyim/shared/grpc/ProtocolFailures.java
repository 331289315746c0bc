package dev.tinyim.shared.grpc;

import dev.tinyim.shared.error.Failures;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.quarkus.grpc.ExceptionHandler;
import io.quarkus.grpc.ExceptionHandlerProvider;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The one place where a gRPC service's failures become protocol errors: every failure a {@code @GrpcService}
 * method returns (or throws) goes through {@link Failures#toStatus}, so a status the domain chose (an
 * {@code ErrorCode} exception) passes unchanged, a store that cannot be reached or cannot write now becomes
 * {@code unavailable}, and anything else {@code internal}, logged with its stack. The service classes stay
 * adapters: they need not map failures themselves.
 */
@ApplicationScoped
public class ProtocolFailures implements ExceptionHandlerProvider {

    @Override
    public Throwable transform(Throwable failure) {
        return Failures.toStatus(failure);
    }

    @Override
    public <ReqT, RespT> ExceptionHandler<ReqT, RespT> createHandler(ServerCall.Listener<ReqT> listener,
            ServerCall<ReqT, RespT> call, Metadata metadata) {
        return new ExceptionHandler<>(listener, call, metadata) {
            @Override
            protected void handleException(Throwable failure, ServerCall<ReqT, RespT> call, Metadata metadata) {
                Throwable status = Failures.toStatus(failure);
                Metadata trailers = Status.trailersFromThrowable(status);
                call.close(Status.fromThrowable(status), trailers == null ? metadata : trailers);
            }
        };
    }
}
