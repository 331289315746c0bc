package dev.tinyim.shared.grpc;

import dev.tinyim.proto.relation.v1.CreateGroupRequest;
import dev.tinyim.proto.relation.v1.Group;
import dev.tinyim.proto.relation.v1.GroupResponse;
import dev.tinyim.proto.relation.v1.MutinyRelationServiceGrpc;
import dev.tinyim.proto.relation.v1.RelationServiceGrpc;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.registry.Instance;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Which failed backend calls are sent again (issue 18: "retry only what is idempotent"), against real gRPC servers
 * on loopback. Instance "a" is reached through a proxy that drops the connection once a call has run there (after
 * its commit, as a crash or a network cut would); instance "b" answers. A call that is not idempotent must run
 * once and answer {@code unavailable}; an idempotent one is sent again to "b"; a call whose connection could not
 * be made at all is sent to "b" whatever its kind.
 */
class BackendChannelsRetryTest {
    private Vertx vertx;
    private Server serverA;
    private Server serverB;
    private DroppingProxy proxy;
    private final AtomicInteger ranOnA = new AtomicInteger();
    private final AtomicInteger ranOnB = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        vertx = Vertx.vertx();
        serverA = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new Groups(ranOnA, () -> proxy.dropAll())).build().start();
        serverB = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new Groups(ranOnB, () -> { })).build().start();
        proxy = new DroppingProxy(serverA.getPort());
    }

    @AfterEach
    void stop() throws Exception {
        proxy.close();
        serverA.shutdownNow();
        serverB.shutdownNow();
        vertx.closeAndAwait();
    }

    @Test
    void aCallThatMayHaveRunIsNotSentAgain() {
        BackendChannels channels = channels(proxy.port());
        StatusRuntimeException failure = assertThrows(StatusRuntimeException.class,
                () -> createGroup(channels, Retry.IF_NOT_SENT));
        assertEquals(Status.Code.UNAVAILABLE, failure.getStatus().getCode());
        assertEquals(1, ranOnA.get(), "it ran once, where the connection was then lost");
        assertEquals(0, ranOnB.get(), "and was not sent to the other instance");
    }

    @Test
    void anIdempotentCallIsSentAgainToAnotherInstance() {
        BackendChannels channels = channels(proxy.port());
        assertEquals("created", createGroup(channels, Retry.IDEMPOTENT).getGroup().getName());
        assertEquals(1, ranOnA.get());
        assertEquals(1, ranOnB.get());
    }

    @Test
    void aCallThatCouldNotConnectIsSentToAnotherInstanceWhateverItsKind() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        BackendChannels channels = channels(closedPort);
        assertEquals("created", createGroup(channels, Retry.IF_NOT_SENT).getGroup().getName());
        assertEquals(0, ranOnA.get());
        assertEquals(1, ranOnB.get());
    }

    @Test
    void anAnswerOfTheServiceIsNeverSentAgain() {
        BackendChannels channels = channels(proxy.port());
        proxy.dropping = false;
        StatusRuntimeException failure = answerOf(channels, "refuse");
        assertEquals(Status.Code.INVALID_ARGUMENT, failure.getStatus().getCode());
        assertEquals(1, ranOnA.get());
        assertEquals(0, ranOnB.get(), "an answer is not a lost connection");
    }

    @Test
    void anOverloadAnswerKeepsItsMarkAcrossTheWireAndIsNotSentAgain() {
        BackendChannels channels = channels(proxy.port());
        proxy.dropping = false;
        StatusRuntimeException failure = answerOf(channels, "overloaded");
        assertEquals(ErrorCode.UNAVAILABLE, ErrorCode.of(failure));
        assertTrue(ErrorCode.isOverload(failure), "the gateway's send limit reads this mark");
        assertFalse(ErrorCode.isOverload(Status.UNAVAILABLE.asRuntimeException()), "a lost connection is not an overload");
        assertFalse(ErrorCode.isOverload(ErrorCode.UNAVAILABLE.exception("down")));
        assertEquals(1, ranOnA.get());
        assertEquals(0, ranOnB.get(), "an overloaded instance's answer is not a lost connection");
    }

    /** The failure an idempotent CreateGroup of this name is answered with. */
    private static StatusRuntimeException answerOf(BackendChannels channels, String name) {
        return assertThrows(StatusRuntimeException.class,
                () -> channels.call("relation", Retry.IDEMPOTENT, MutinyRelationServiceGrpc::newMutinyStub,
                        stub -> stub.createGroup(CreateGroupRequest.newBuilder().setName(name).build()))
                        .await().atMost(Duration.ofSeconds(10)));
    }

    private GroupResponse createGroup(BackendChannels channels, Retry retry) {
        return channels.call("relation", retry, MutinyRelationServiceGrpc::newMutinyStub,
                        stub -> stub.createGroup(CreateGroupRequest.newBuilder().setCallerId(1).setName("created").build()))
                .await().atMost(Duration.ofSeconds(10));
    }

    /** Instance "a" at {@code portA}, instance "b" at server B; in that order, so the first call goes to "a". */
    private BackendChannels channels(int portA) {
        List<Instance> instances = List.of(
                new Instance("relation", "a", "127.0.0.1", 0, portA, 1, false, ""),
                new Instance("relation", "b", "127.0.0.1", 0, serverB.getPort(), 1, false, ""));
        BackendDiscovery discovery = service -> Uni.createFrom().item(instances);
        return new BackendChannels(discovery, vertx, java.util.Optional.of(List.of("relation")),
                Duration.ofSeconds(2), Duration.ofSeconds(5), java.util.Optional.empty());
    }

    /** CreateGroup that counts its runs; then, on "a", loses the connection instead of answering. */
    private static final class Groups extends RelationServiceGrpc.RelationServiceImplBase {
        private final AtomicInteger runs;
        private final Runnable afterCommit;

        Groups(AtomicInteger runs, Runnable afterCommit) {
            this.runs = runs;
            this.afterCommit = afterCommit;
        }

        @Override
        public void createGroup(CreateGroupRequest request, StreamObserver<GroupResponse> out) {
            runs.incrementAndGet();
            if (request.getName().equals("overloaded")) {
                out.onError(ErrorCode.overloaded("over capacity"));
                return;
            }
            if (request.getName().equals("refuse")) {
                out.onError(Status.INVALID_ARGUMENT.withDescription("refused").asRuntimeException());
                return;
            }
            afterCommit.run();
            out.onNext(GroupResponse.newBuilder().setGroup(Group.newBuilder().setName(request.getName())).build());
            out.onCompleted();
        }
    }

    /** A TCP proxy to one port that, while {@code dropping}, resets every connection it carries on request. */
    private static final class DroppingProxy implements AutoCloseable {
        private final ServerSocket listener;
        private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
        volatile boolean dropping = true;

        DroppingProxy(int targetPort) throws IOException {
            listener = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            Thread.ofPlatform().daemon().start(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket client = listener.accept();
                        Socket upstream = new Socket(java.net.InetAddress.getLoopbackAddress(), targetPort);
                        sockets.add(client);
                        sockets.add(upstream);
                        pump(client, upstream);
                        pump(upstream, client);
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return listener.getLocalPort();
        }

        /** Resets both sides of every connection (RST, as a crashed host or a cut link looks to the caller). */
        void dropAll() {
            if (!dropping) {
                return;
            }
            for (Socket s : sockets) {
                try {
                    s.setSoLinger(true, 0);
                    s.close();
                } catch (IOException ignored) {
                    // already closed
                }
            }
            sockets.clear();
        }

        private void pump(Socket from, Socket to) {
            Thread.ofPlatform().daemon().start(() -> {
                byte[] buffer = new byte[8192];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    for (int n; (n = in.read(buffer)) >= 0; ) {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                } catch (IOException ignored) {
                    // the connection was dropped
                }
            });
        }

        @Override
        public void close() throws IOException {
            listener.close();
            dropAll();
        }
    }
}
