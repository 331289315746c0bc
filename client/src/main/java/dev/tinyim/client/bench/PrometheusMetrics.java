package dev.tinyim.client.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Reads a service's {@code /q/metrics} (Prometheus text format). */
public final class PrometheusMetrics {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PrometheusMetrics() {
    }

    /**
     * The sum of the samples at {@code baseUrl/q/metrics} whose line starts with {@code prefix} (a metric name,
     * optionally with the start of its labels), 0 when there is none yet. Fails when the service does not answer 200.
     */
    public static double sum(String baseUrl, String prefix) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + "/q/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(baseUrl + "/q/metrics answered " + response.statusCode());
        }
        double sum = 0;
        for (String line : response.body().split("\n")) {
            if (line.startsWith(prefix) && line.length() > prefix.length() && " {,}".indexOf(line.charAt(prefix.length())) >= 0) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }
}
