package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * REST side of the TinyIM SDK: register, login, logout, dispatch; and the door to a {@link ChatSession}. Given
 * several gateway addresses it fails over: a gateway that refuses the connection is skipped for the next.
 */
public final class TinyImClient {
    static final ObjectMapper JSON = new ObjectMapper();

    private final List<String> baseUrls;
    private final AtomicInteger current = new AtomicInteger();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public TinyImClient(String... baseUrls) {
        if (baseUrls.length == 0) {
            throw new IllegalArgumentException("at least one gateway address");
        }
        this.baseUrls = Arrays.stream(baseUrls).map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u).toList();
    }

    /** The gateway address requests go to now. */
    public String baseUrl() {
        return baseUrls.get(Math.floorMod(current.get(), baseUrls.size()));
    }

    public record HttpResult(int status, JsonNode body) {
        public String errorCode() {
            return body != null && body.has("error") ? body.get("error").get("code").asText() : null;
        }
    }

    public Uni<HttpResult> post(String path, String body, String token) {
        return send(base -> {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(15))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body == null ? "" : body));
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            return request.build();
        });
    }

    public Uni<HttpResult> get(String path) {
        return send(base -> HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(15)).GET().build());
    }

    /** Sends to the current gateway; one that refuses the connection (nothing was sent) hands over to the next. */
    private Uni<HttpResult> send(Function<String, HttpRequest> request) {
        int attempt = current.get();
        return sendTo(request.apply(baseUrl())).onFailure(TinyImClient::refused).recoverWithUni(failure -> {
            current.compareAndSet(attempt, attempt + 1);
            return baseUrls.size() > 1 ? sendTo(request.apply(baseUrl())) : Uni.createFrom().failure(failure);
        });
    }

    private static boolean refused(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException) {
                return true;
            }
        }
        return false;
    }

    private Uni<HttpResult> sendTo(HttpRequest request) {
        return Uni.createFrom().completionStage(() -> http.sendAsync(request, HttpResponse.BodyHandlers.ofString()))
                .map(response -> {
                    try {
                        String text = response.body();
                        return new HttpResult(response.statusCode(), text == null || text.isEmpty() ? null : JSON.readTree(text));
                    } catch (Exception e) {
                        throw new TinyImException("internal", "unreadable response: " + e.getMessage());
                    }
                });
    }

    public Uni<JsonNode> register(String username, String password, String nickname) {
        ObjectNode body = JSON.createObjectNode().put("username", username).put("password", password);
        if (nickname != null) {
            body.put("nickname", nickname);
        }
        return post("/api/v1/auth/register", body.toString(), null).map(TinyImClient::okOrThrow);
    }

    public Uni<JsonNode> login(String username, String password, String deviceType) {
        ObjectNode body = JSON.createObjectNode().put("username", username).put("password", password).put("deviceType", deviceType);
        return post("/api/v1/auth/login", body.toString(), null).map(TinyImClient::okOrThrow);
    }

    public Uni<HttpResult> logout(String token) {
        return post("/api/v1/auth/logout", null, token);
    }

    /** A gateway's WebSocket URL from dispatch. */
    public Uni<String> dispatch() {
        return get("/api/v1/dispatch").map(TinyImClient::okOrThrow).map(body -> body.get("url").asText());
    }

    /** Connects through dispatch and authenticates with an {@code auth} frame. */
    public Uni<ChatSession> connect(String token) {
        return dispatch().chain(url -> ChatSession.open(url, token, false));
    }

    private static JsonNode okOrThrow(HttpResult result) {
        if (result.status() >= 300) {
            JsonNode error = result.body() == null ? null : result.body().get("error");
            throw new TinyImException(error == null ? "http_" + result.status() : error.get("code").asText(),
                    error == null ? "HTTP " + result.status() : error.get("message").asText());
        }
        return result.body();
    }
}
