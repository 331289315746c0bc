package dev.tinyim.shared.grpc;

import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.registry.Instance;
import io.grpc.Channel;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Client-side balancing over the instances {@link BackendDiscovery} lists (the registry, or Stork on Kubernetes):
 * one gRPC channel per live instance of each backend service, refreshed on a timer, picked round-robin per call.
 * A call that finds its instance gone is retried on another one, if its {@link Retry} allows.
 */
@ApplicationScoped
public class BackendChannels {
    private static final Logger LOG = Logger.getLogger(BackendChannels.class);

    private final BackendDiscovery discovery;
    private final Vertx vertx;
    private final List<String> services;
    private final Duration refreshEvery;
    private final Duration deadline;
    private final List<String> optional;
    private final Map<String, Map<String, ManagedChannel>> channels = new ConcurrentHashMap<>();
    private final Map<String, List<ManagedChannel>> rotation = new ConcurrentHashMap<>();
    /**
     * Round-robin position per service: one counter shared by all services pinned a caller whose calls alternate
     * between two services (register then login, each an auth call between others) to one instance of each.
     */
    private final Map<String, AtomicInteger> next = new ConcurrentHashMap<>();

    public BackendChannels(BackendDiscovery discovery, Vertx vertx,
                           @ConfigProperty(name = "tinyim.backends") Optional<List<String>> services,
                           @ConfigProperty(name = "tinyim.backends.refresh-every", defaultValue = "2s") Duration refreshEvery,
                           @ConfigProperty(name = "tinyim.backends.deadline", defaultValue = "5s") Duration deadline,
                           @ConfigProperty(name = "tinyim.backends.optional") Optional<List<String>> optional) {
        this.discovery = discovery;
        this.vertx = vertx;
        this.services = services.orElse(List.of());
        this.refreshEvery = refreshEvery;
        this.deadline = deadline;
        this.optional = optional.orElse(List.of());
    }

    void onStart(@Observes StartupEvent event) {
        if (services.isEmpty()) {
            return;
        }
        refreshAll();
        vertx.setPeriodic(refreshEvery.toMillis(), ignored -> refreshAll());
    }

    void onStop(@Observes ShutdownEvent event) {
        channels.values().forEach(m -> m.values().forEach(ManagedChannel::shutdown));
    }

    /** How many live instances of a backend this process currently balances over. */
    public int instanceCount(String service) {
        return rotation.getOrDefault(service, List.of()).size();
    }

    public List<String> services() {
        return services;
    }

    /**
     * The address ({@code host:port}) of the instance of {@code service} a {@link #call} with this {@code key} would
     * go to now, or {@code ""} while none is known: for what a caller keeps per instance (the gateway's send limit,
     * so that a slow chat instance does not lower the limit of the sends that go to the others).
     */
    public String instanceFor(String service, long key) {
        List<ManagedChannel> live = rotation.getOrDefault(service, List.of());
        return live.isEmpty() ? "" : choose(service, live, key).authority();
    }

    /** The addresses ({@code host:port}) of the instances of {@code service} this process balances over now. */
    public List<String> instancesOf(String service) {
        return rotation.getOrDefault(service, List.of()).stream().map(ManagedChannel::authority).toList();
    }

    /**
     * Whether this service is of use without any instance of {@code service} (readiness does not wait for it):
     * relation only tells chat instances to forget, and with none there is nothing to forget. On Kubernetes, where
     * DNS lists only ready pods, two services each waiting for the other to be ready would never be.
     */
    public boolean required(String service) {
        return !optional.contains(service);
    }

    /**
     * Runs one call against an instance of {@code service} through a stub made by {@code stubs} (e.g.
     * {@code MutinyChatServiceGrpc::newMutinyStub}), with the configured deadline, retrying on another instance
     * when the chosen one is unreachable and {@code retry} allows it.
     */
    public <S extends AbstractStub<S>, T> Uni<T> call(String service, Retry retry, Function<Channel, S> stubs,
                                                       Function<S, Uni<T>> call) {
        return call(service, -1, retry, stubs, call);
    }

    /**
     * {@link #call}, always on the same instance for the same {@code key} while that instance is reachable: a
     * user's sends, read concurrently from one connection, reach one chat instance in the order they were read and
     * are committed in that order, so their results return in timeline order (PROTOCOL.md 5.4). A negative key
     * means round-robin.
     */
    public <S extends AbstractStub<S>, T> Uni<T> call(String service, long key, Retry retry, Function<Channel, S> stubs,
                                                       Function<S, Uni<T>> call) {
        java.util.function.Predicate<Throwable> again = retry == Retry.IDEMPOTENT ? BackendChannels::unreachable : BackendChannels::neverSent;
        Uni<T> attempt = Uni.createFrom().deferred(() -> attempt(service, key, stubs, call));
        // each attempt is bounded by its gRPC deadline (a timer on the channel's own event loop); no second timer
        // per call here: scheduling one woke another thread on every call. The first attempt goes out bare, and
        // only a failure that may be sent again builds the retries (five more, backing off from 50 ms to 400 ms):
        // Mutiny's retry operator on every call cost a third of Mutiny's own work per gRPC call (docs/history/measurements.md)
        return attempt.onFailure(again).recoverWithUni(first -> Uni.createFrom().voidItem()
                .onItem().delayIt().by(RETRY_FIRST)
                .chain(() -> attempt.onFailure(again).retry().withBackOff(RETRY_FIRST, RETRY_LAST).atMost(RETRIES - 1)));
    }

    private static final Duration RETRY_FIRST = Duration.ofMillis(50);
    private static final Duration RETRY_LAST = Duration.ofMillis(400);
    private static final int RETRIES = 5;

    /**
     * One attempt on the instance for {@code key} (or the next in turn), with the configured deadline; while no
     * instance is known, after asking the discovery once more.
     */
    private <S extends AbstractStub<S>, T> Uni<T> attempt(String service, long key, Function<Channel, S> stubs,
                                                          Function<S, Uni<T>> call) {
        List<ManagedChannel> live = rotation.getOrDefault(service, List.of());
        if (!live.isEmpty()) {
            return attemptOn(choose(service, live, key), stubs, call);
        }
        return chooseAfterRefresh(service, key).chain(ch -> attemptOn(ch, stubs, call));
    }

    private <S extends AbstractStub<S>, T> Uni<T> attemptOn(ManagedChannel ch, Function<Channel, S> stubs, Function<S, Uni<T>> call) {
        return call.apply(stubs.apply(ch).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS))
                // a channel that could not connect retries at once next time, not after its backoff (a restarted
                // instance on the same address must not wait out the old one's reconnect delays)
                .onFailure(BackendChannels::unreachable).invoke(e -> ch.resetConnectBackoff());
    }

    /**
     * Runs a call once against every live instance of {@code service}, read from the registry at this moment (so
     * an instance that started a moment ago is included); completes when all have answered or failed, with how
     * many failed (each is logged).
     */
    public <S extends AbstractStub<S>, T> Uni<Integer> callEach(String service, Function<Channel, S> stubs, Function<S, Uni<T>> call) {
        return refresh(service).chain(() -> {
            List<ManagedChannel> all = rotation.getOrDefault(service, List.of());
            if (all.isEmpty()) {
                return Uni.createFrom().item(0);
            }
            List<Uni<Integer>> calls = new java.util.ArrayList<>(all.size());
            for (ManagedChannel ch : all) {
                calls.add(call.apply(stubs.apply(ch).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS))
                        .map(ok -> 0)
                        .onFailure().recoverWithItem(e -> {
                            LOG.warnf("call to a %s instance (%s) failed: %s", service, ch.authority(), e.getMessage());
                            return 1;
                        }));
            }
            return Uni.join().all(calls).andCollectFailures().map(counts -> counts.stream().mapToInt(Integer::intValue).sum());
        });
    }

    /** The instance for {@code key} once the discovery has been asked again (none was known); unavailable if none. */
    private Uni<ManagedChannel> chooseAfterRefresh(String service, long key) {
        return refresh(service).map(ignored -> {
            List<ManagedChannel> now = rotation.getOrDefault(service, List.of());
            if (now.isEmpty()) {
                throw ErrorCode.UNAVAILABLE.exception("no live " + service + " instance");
            }
            return choose(service, now, key);
        });
    }

    /** By key (or round-robin), passing over channels that failed to connect while others have not. */
    private ManagedChannel choose(String service, List<ManagedChannel> channels, long key) {
        if (channels.size() == 1) {
            return channels.get(0);
        }
        int start = key < 0 ? next.computeIfAbsent(service, s -> new AtomicInteger()).getAndIncrement()
                : Long.hashCode(key * 0x9E3779B97F4A7C15L);
        for (int i = 0; i < channels.size(); i++) {
            ManagedChannel ch = channels.get(Math.floorMod(start + i, channels.size()));
            if (ch.getState(false) != ConnectivityState.TRANSIENT_FAILURE) {
                return ch;
            }
        }
        return channels.get(Math.floorMod(start, channels.size()));
    }

    /** The instance could not be reached or dropped the call (not an {@code unavailable} the service answered). */
    static boolean unreachable(Throwable failure) {
        return failure instanceof StatusRuntimeException sre
                && sre.getStatus().getCode() == Status.Code.UNAVAILABLE
                && sre.getTrailers() != null && sre.getTrailers().get(ErrorCode.TRAILER) == null;
    }

    /**
     * Unreachable before the request left: gRPC fails a call with the connection's own failure as the cause when
     * it could not connect (refused, no route), and with a status of its own (reset, closed, GOAWAY) once the
     * request may have been written.
     */
    static boolean neverSent(Throwable failure) {
        if (!unreachable(failure)) {
            return false;
        }
        for (Throwable t = ((StatusRuntimeException) failure).getStatus().getCause(); t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.ConnectException) {
                return true;
            }
        }
        return false;
    }

    private void refreshAll() {
        for (String service : services) {
            refresh(service).subscribe().with(ok -> { }, e -> LOG.debugf("refresh of %s failed: %s", service, e.getMessage()));
        }
    }

    private Uni<Void> refresh(String service) {
        return discovery.instances(service).invoke(instances -> update(service, instances)).replaceWithVoid();
    }

    private synchronized void update(String service, List<Instance> instances) {
        Map<String, ManagedChannel> current = channels.computeIfAbsent(service, s -> new ConcurrentHashMap<>());
        if (instances.isEmpty() && !current.isEmpty()) {
            // Every instance gone at once is what a Redis that lost its data looks like (they re-register within
            // one renewal): keep calling the last known ones; a call to one that really left fails as unavailable.
            LOG.debugf("registry lists no %s instance; keeping the %d last known", service, current.size());
            return;
        }
        Map<String, Instance> wanted = new java.util.HashMap<>();
        for (Instance i : instances) {
            if (i.grpcPort() > 0) {
                // a restarted instance (same id and address, a new start) gets a new channel
                wanted.put(i.id() + "@" + i.host() + ":" + i.grpcPort() + "/" + i.startedAt(), i);
            }
        }
        for (var it = current.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (!wanted.containsKey(entry.getKey())) {
                entry.getValue().shutdown();
                it.remove();
                LOG.infof("%s instance %s left", service, entry.getKey());
            }
        }
        wanted.forEach((key, instance) -> current.computeIfAbsent(key, k -> {
            LOG.infof("%s instance %s joined", service, k);
            // On the Vert.x event loops, answers handled on the thread that read them: no gRPC threads of its own
            // and no hand-off per call (the callers only compose non-blocking steps).
            return NettyChannelBuilder.forAddress(instance.host(), instance.grpcPort())
                    .eventLoopGroup(vertx.getDelegate().nettyEventLoopGroup())
                    .channelType(NioSocketChannel.class)
                    .directExecutor()
                    .usePlaintext()
                    .keepAliveTime(30, TimeUnit.SECONDS)
                    .build();
        }));
        // in a stable order, so that a key keeps its instance across refreshes
        rotation.put(service, current.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(Map.Entry::getValue).toList());
    }
}
