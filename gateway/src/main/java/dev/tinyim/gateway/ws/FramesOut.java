package dev.tinyim.gateway.ws;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Counts frames written to sockets by their type ({@code result}, {@code msg}, {@code kicked}, ...). */
final class FramesOut {
    private static final String PREFIX = "{\"type\":\"";

    private final MeterRegistry metrics;
    private final Map<String, Counter> byType = new ConcurrentHashMap<>();

    FramesOut(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    void count(String frame) {
        byType.computeIfAbsent(typeOf(frame), type -> metrics.counter("tinyim.gateway.frames.out", "type", type)).increment();
    }

    /** Every frame the server writes starts with its type (WireJson and Frames put it first). */
    static String typeOf(String frame) {
        if (!frame.startsWith(PREFIX)) {
            return "other";
        }
        int end = frame.indexOf('"', PREFIX.length());
        return end < 0 || end - PREFIX.length() > 32 ? "other" : frame.substring(PREFIX.length(), end);
    }
}
