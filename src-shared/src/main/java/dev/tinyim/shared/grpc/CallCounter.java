package dev.tinyim.shared.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts the gRPC calls each instance takes, by method ({@code tinyim_grpc_server_calls_total{method="Send"}}): with
 * several instances of a service, how the callers spread their calls over them (the stack exports no other gRPC
 * server metric). One map lookup and one increment per call, no timer.
 */
@ApplicationScoped
@GlobalInterceptor
public class CallCounter implements ServerInterceptor {
    private final MeterRegistry metrics;
    private final Map<String, Counter> byMethod = new ConcurrentHashMap<>();

    public CallCounter(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getBareMethodName();
        Counter counter = byMethod.get(method);
        if (counter == null) {
            counter = byMethod.computeIfAbsent(method, m -> Counter.builder("tinyim.grpc.server.calls")
                    .description("gRPC calls this instance took").tag("method", m).register(metrics));
        }
        counter.increment();
        return next.startCall(call, headers);
    }
}
