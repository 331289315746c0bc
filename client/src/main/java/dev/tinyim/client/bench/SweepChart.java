package dev.tinyim.client.bench;

import java.util.List;
import java.util.Locale;

/**
 * The chart of a sweep ({@code --sweep R1,R2,...}): delivered rate against offered rate (left axis, with the
 * ideal diagonal), and p50/p99 send→delivery latency (right axis, logarithmic), as a standalone SVG.
 */
final class SweepChart {
    record Point(double offered, double delivered, double p50, double p99, long errors) {
    }

    private static final int W = 760;
    private static final int H = 440;
    private static final int LEFT = 70;
    private static final int RIGHT = 80;
    private static final int TOP = 40;
    private static final int BOTTOM = 80;

    private SweepChart() {
    }

    static String svg(String title, List<Point> points) {
        double maxRate = niceCeiling(points.stream().mapToDouble(p -> Math.max(p.offered(), p.delivered())).max().orElse(1));
        double minMs = 1;
        double maxMs = Math.max(100, points.stream().mapToDouble(Point::p99).max().orElse(100)) * 1.5;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", W, H));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, H));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n", LEFT, escape(title)));
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#999\"/>%n", LEFT, TOP, plotW, plotH));
        // rate grid (left axis) and offered-rate ticks
        for (int i = 0; i <= 5; i++) {
            double v = maxRate * i / 5;
            double y = TOP + plotH - plotH * i / 5.0;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>%n", LEFT, LEFT + plotW, y, y));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%,.0f</text>%n", LEFT - 6, y + 4, v));
            double x = LEFT + plotW * i / 5.0;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%,.0f</text>%n", x, TOP + plotH + 18, v));
        }
        // latency ticks (right axis, log scale)
        for (double ms = 1; ms <= maxMs; ms *= 10) {
            double y = latencyY(ms, minMs, maxMs, plotH);
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\">%s ms</text>%n", LEFT + plotW + 6, y + 4, ms >= 1000 ? (int) (ms / 1000) + "k" : Integer.toString((int) ms)));
        }
        double y100 = latencyY(100, minMs, maxMs, plotH);
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#d62728\" stroke-dasharray=\"2,4\"/>%n", LEFT, LEFT + plotW, y100, y100));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" fill=\"#d62728\">p99 target 100 ms</text>%n", LEFT + 6, y100 - 4));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#bbb\" stroke-dasharray=\"6,4\"/>%n", LEFT, TOP + plotH, LEFT + plotW, TOP));
        s.append(polyline(points, p -> rateY(p.delivered(), maxRate, plotH), maxRate, plotW, "#1f77b4", 3));
        s.append(polyline(points, p -> latencyY(Math.max(minMs, p.p50()), minMs, maxMs, plotH), maxRate, plotW, "#2ca02c", 2));
        s.append(polyline(points, p -> latencyY(Math.max(minMs, p.p99()), minMs, maxMs, plotH), maxRate, plotW, "#ff7f0e", 2));
        for (Point p : points) {
            double x = LEFT + plotW * p.offered() / maxRate;
            s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"#1f77b4\"/>%n", x, TOP + rateY(p.delivered(), maxRate, plotH)));
            if (p.errors() > 0) {
                s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#d62728\" font-size=\"10\">%,d refused</text>%n",
                        x, TOP + rateY(p.delivered(), maxRate, plotH) - 8, p.errors()));
            }
        }
        int ly = H - 12;
        s.append(legend(LEFT, ly, "#1f77b4", "delivered msg/s (left)"));
        s.append(legend(LEFT + 190, ly, "#2ca02c", "p50 send→delivery (right)"));
        s.append(legend(LEFT + 390, ly, "#ff7f0e", "p99 send→delivery (right)"));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">offered msg/s</text>%n", LEFT + plotW / 2, TOP + plotH + 34));
        s.append("</svg>\n");
        return s.toString();
    }

    /** 1, 2 or 5 times a power of ten, at least {@code v}: axis ticks at fifths of it read as round numbers. */
    private static double niceCeiling(double v) {
        double power = Math.pow(10, Math.floor(Math.log10(Math.max(v, 1))));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * power >= v) {
                return step * power;
            }
        }
        return 10 * power;
    }

    private static double rateY(double rate, double maxRate, int plotH) {
        return plotH - plotH * rate / maxRate;
    }

    private static double latencyY(double ms, double minMs, double maxMs, int plotH) {
        return TOP + plotH - plotH * (Math.log10(ms) - Math.log10(minMs)) / (Math.log10(maxMs) - Math.log10(minMs));
    }

    private static String polyline(List<Point> points, java.util.function.ToDoubleFunction<Point> y, double maxRate, int plotW,
                                   String color, int width) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%d\" points=\"", color, width));
        boolean rate = width == 3;
        for (Point p : points) {
            double x = LEFT + plotW * p.offered() / maxRate;
            s.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, rate ? TOP + y.applyAsDouble(p) : y.applyAsDouble(p)));
        }
        return s.append("\"/>\n").toString();
    }

    private static String legend(int x, int y, String color, String label) {
        return String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/><text x=\"%d\" y=\"%d\">%s</text>%n",
                x, x + 20, y - 4, y - 4, color, x + 26, y, escape(label));
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
