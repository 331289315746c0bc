package dev.tinyim.client.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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
        HttpResponse<String> response;
        try {
            // bounded here too: a run once hung for minutes in send() despite the request timeout
            response = HTTP.sendAsync(HttpRequest.newBuilder(URI.create(baseUrl + "/q/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).get(6, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException(baseUrl + "/q/metrics did not answer: " + e, e);
        }
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
