package dev.tinyim.gateway.connection;

import io.micrometer.core.instrument.MeterRegistry;

/** Counts frames written to sockets by their type ({@code result}, {@code msg}, {@code kicked}, ...). */
public final class FramesOut {
    private static final String PREFIX = "{\"type\":\"";

    private final TaggedCounters byType;

    public FramesOut(MeterRegistry metrics) {
        this.byType = new TaggedCounters(metrics, "tinyim.gateway.frames.out", "type");
    }

    public void count(String frame) {
        byType.increment(typeOf(frame));
    }

    /** Every frame the server writes starts with its type (WireJson and Frames put it first). */
    public static String typeOf(String frame) {
        if (!frame.startsWith(PREFIX)) {
            return "other";
        }
        int end = frame.indexOf('"', PREFIX.length());
        return end < 0 || end - PREFIX.length() > 32 ? "other" : frame.substring(PREFIX.length(), end);
    }
}
