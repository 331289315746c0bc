package dev.tinyim.shared.testing;

import dev.tinyim.shared.error.ErrorCode;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.function.Executable;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** What a module's {@code @QuarkusTest} needs to call the service it started: a channel, and the code of a refusal. */
public final class ServiceUnderTest {
    private ServiceUnderTest() {
    }

    /** A plaintext channel to the gRPC server of the service in this JVM ({@link LocalInfrastructure#GRPC_PORT}). */
    public static ManagedChannel channel() {
        int port = ConfigProvider.getConfig().getValue(LocalInfrastructure.GRPC_PORT, Integer.class);
        return ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    public static void close(ManagedChannel channel) throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    /** The PROTOCOL.md code of the failure the call must end in (it fails the test when the call succeeds). */
    public static ErrorCode codeOf(Executable call) {
        return ErrorCode.of(assertThrows(StatusRuntimeException.class, call));
    }
}
