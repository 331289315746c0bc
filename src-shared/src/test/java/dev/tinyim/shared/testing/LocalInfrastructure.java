package dev.tinyim.shared.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real MariaDB primary and replica and Redis under a service module's {@code @QuarkusTest} suite: those of
 * the test stack ({@code ./tinyim test} starts it and exports where it is), or, when a module's tests run alone
 * ({@code mvn test -pl chat}), the same ones started here with {@code ./tinyim infra-up} (idempotent: it starts
 * only what is not running, under {@code .tinyim/test}, ports + 10000, never the ones of {@code ./tinyim up}).
 *
 * <p>The service under test keeps out of the registry ({@code tinyim.registry.enabled=false}): it calls the
 * stack's other services where a test needs them, but none of theirs, nor a gateway's, reaches it; its gRPC
 * server listens on a free port, {@link #GRPC_PORT}.
 */
public class LocalInfrastructure implements QuarkusTestResourceLifecycleManager {
    /** The config key holding the gRPC port of the service under test. */
    public static final String GRPC_PORT = "quarkus.grpc.server.test-port";

    private static final int DEFAULT_OFFSET = 10000;

    @Override
    public Map<String, String> start() {
        Path root = repositoryRoot();
        String state = env("TINYIM_STATE", root.resolve(".tinyim/test").toString());
        int offset = Integer.parseInt(env("TINYIM_PORT_OFFSET", Integer.toString(DEFAULT_OFFSET)));
        int primary = Integer.parseInt(env("TINYIM_TEST_PRIMARY_PORT", Integer.toString(13306 + offset)));
        int replica = Integer.parseInt(env("TINYIM_TEST_REPLICA_PORT", Integer.toString(13307 + offset)));
        int redis = Integer.parseInt(env("TINYIM_TEST_REDIS_PORT", Integer.toString(16379 + offset)));
        if (!listening(primary) || !listening(replica) || !listening(redis)) {
            infraUp(root, state, offset);
        }
        Map<String, String> config = new HashMap<>();
        config.put("tinyim.db.primary.url", "mysql://127.0.0.1:" + primary + "/tinyim");
        config.put("tinyim.db.replica.url", "mysql://127.0.0.1:" + replica + "/tinyim");
        config.put("quarkus.redis.hosts", "redis://127.0.0.1:" + redis);
        config.put("tinyim.jwt.private-key", state + "/keys/jwt-private.pem");
        config.put("tinyim.jwt.public-key", state + "/keys/jwt-public.pem");
        config.put("tinyim.registry.enabled", "false");
        config.put("tinyim.instance.id", "quarkus-test-" + ProcessHandle.current().pid());
        config.put("quarkus.http.test-port", "0");
        config.put(GRPC_PORT, Integer.toString(freePort()));
        return config;
    }

    @Override
    public void stop() {
        // the databases and Redis belong to the test stack: ./tinyim test (or ./tinyim down) stops them
    }

    private static void infraUp(Path root, String state, int offset) {
        Path log = Path.of(state, "logs", "infra-up-for-module-tests.log");
        ProcessBuilder pb = new ProcessBuilder(root.resolve("tinyim").toString(), "infra-up")
                .directory(root.toFile()).redirectErrorStream(true);
        pb.environment().put("TINYIM_STATE", state);
        pb.environment().put("TINYIM_PORT_OFFSET", Integer.toString(offset));
        try {
            Files.createDirectories(log.getParent());
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            Process p = pb.start();
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("./tinyim infra-up failed (see " + log + ")");
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not run ./tinyim infra-up", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the databases and Redis", e);
        }
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isExecutable(dir.resolve("tinyim")) && Files.isDirectory(dir.resolve("db"))) {
                return dir;
            }
        }
        throw new IllegalStateException("not inside the TinyIM repository (no ./tinyim above " + Path.of("").toAbsolutePath() + ")");
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
