package dev.tinyim.shared.cache;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * Copies of rows another place owns, kept by id until the owner says they changed ({@link #forget}) or they lapse.
 * <p>
 * A read whose result is to be kept takes {@link #epoch()} before it starts and hands it to {@link #keep}: a
 * forget that arrived meanwhile bumps the epoch, and then the result, which may have been read before the change,
 * is not kept. The ttl is the safety net for a forget that never arrived; past {@code maxEntries} the copies start
 * over. Counted as {@code NAME{result=hit|miss}}, with the number kept as {@code NAME.size}.
 */
public final class KeptCopies<V> {
    private record Entry<V>(V value, long until) {
    }

    private final Map<Long, Entry<V>> entries = new ConcurrentHashMap<>();
    private final AtomicLong epoch = new AtomicLong();
    private final long ttlMillis;
    private final int maxEntries;
    private final LongSupplier clock;
    private final Counter hits;
    private final Counter misses;

    public KeptCopies(String name, long ttlMillis, int maxEntries, LongSupplier clock, MeterRegistry metrics) {
        if (ttlMillis < 0 || maxEntries < 1) {
            throw new IllegalArgumentException(name + ": need ttl >= 0 and max entries >= 1");
        }
        this.ttlMillis = ttlMillis;
        this.maxEntries = maxEntries;
        this.clock = clock;
        this.hits = Counter.builder(name).tag("result", "hit").register(metrics);
        this.misses = Counter.builder(name).tag("result", "miss").register(metrics);
        metrics.gaugeMapSize(name + ".size", List.of(), entries);
    }

    /**
     * The kept copy, else what {@code read} answers, kept when it is not null, no forget came while it was read, and
     * {@code keepable} still says yes once it has been read.
     */
    public Uni<V> get(long id, LongFunction<Uni<V>> read, BooleanSupplier keepable) {
        V copy = get(id);
        if (copy != null) {
            return Uni.createFrom().item(copy);
        }
        long seen = epoch();
        return read.apply(id).invoke(value -> {
            if (keepable.getAsBoolean()) {
                keep(id, value, seen);
            }
        });
    }

    /** The kept copy, or null (then read it, with {@link #epoch()} taken first, and {@link #keep} it). */
    public V get(long id) {
        Entry<V> e = entries.get(id);
        if (e != null && e.until() > clock.getAsLong()) {
            hits.increment();
            return e.value();
        }
        if (e != null) {
            entries.remove(id, e);
        }
        misses.increment();
        return null;
    }

    /** Taken before a read whose result is to be kept. */
    public long epoch() {
        return epoch.get();
    }

    /** Keeps what a read started at {@code seenEpoch} found (null: nothing to keep), unless a forget came since. */
    public void keep(long id, V value, long seenEpoch) {
        if (value == null || ttlMillis == 0 || epoch.get() != seenEpoch) {
            return;
        }
        if (entries.size() >= maxEntries) {
            entries.clear();
        }
        Entry<V> e = new Entry<>(value, clock.getAsLong() + ttlMillis);
        entries.put(id, e);
        if (epoch.get() != seenEpoch) {
            // a forget arrived between the check and the put: what was read may be older than it
            entries.remove(id, e);
        }
    }

    /** Drops every copy (what would have said which changed may be lost); reads under way are not kept. */
    public void forgetAll() {
        epoch.incrementAndGet();
        entries.clear();
    }

    /** Drops these copies; reads under way are not kept. */
    public void forget(Collection<Long> ids) {
        epoch.incrementAndGet();
        ids.forEach(entries::remove);
    }
}
