package dev.tinyim.gateway.connection;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** One counter per value of one tag, looked up once each: a registry lookup per frame is measurable. */
public final class TaggedCounters {
    private final MeterRegistry metrics;
    private final String name;
    private final String tag;
    private final Map<String, Counter> byValue = new ConcurrentHashMap<>();

    public TaggedCounters(MeterRegistry metrics, String name, String tag) {
        this.metrics = metrics;
        this.name = name;
        this.tag = tag;
    }

    public void increment(String value) {
        Counter c = byValue.get(value);
        if (c == null) {
            c = byValue.computeIfAbsent(value, v -> metrics.counter(name, tag, v));
        }
        c.increment();
    }
}
