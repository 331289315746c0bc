package dev.tinyim.gateway.ws;

import io.quarkus.websockets.next.HttpUpgradeCheck;
import io.quarkus.websockets.next.UserData;
import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a WebSocket keeps of its HTTP handshake for as long as it is open: as little as possible. A held connection
 * otherwise keeps every request header twice (Vert.x's map and websockets-next's copy), the bearer token among
 * them, and the request's routing context with the lazily resolved security identity the HTTP layer attaches to
 * every request (about 2.5 KB of heap per connection; docs/history/measurements.md).
 * <ul>
 * <li>Before the upgrade, the routing context forgets that deferred identity (the WebSocket authenticates with
 * its own token, PROTOCOL.md section 2), so websockets-next does not hold the routing context for the security of
 * the connection, and every header the handshake does not read (User-Agent, Cookie, Accept-*, ...) is dropped.</li>
 * <li>The {@code Authorization} header moves to the connection's user data, where {@link ChatSocket} takes it out
 * when it opens.</li>
 * <li>The connection answers a frame its decoder refuses with a close frame ({@link CorruptFrames}).</li>
 * </ul>
 */
@ApplicationScoped
public class Handshakes implements HttpUpgradeCheck {
    /** The key Quarkus HTTP security stores a request's lazily authenticated identity under. */
    static final String DEFERRED_IDENTITY = "io.quarkus.vertx.http.deferred-identity";
    static final UserData.TypedKey<String> AUTHORIZATION = UserData.TypedKey.forString("tinyim.authorization");
    /** The headers the upgrade reads (RFC 6455 4.2.1; extensions, should compression be enabled) and the token. */
    private static final Set<String> KEPT = Set.of("host", "upgrade", "connection", "sec-websocket-key",
            "sec-websocket-version", "sec-websocket-protocol", "sec-websocket-extensions", "authorization");

    void trimBeforeUpgrade(@Observes Router router) {
        // after the authentication filter (order -200) has run, before the WebSocket endpoint's route
        router.route("/ws").order(-100).handler(ctx -> {
            if (ctx.request().headers().contains("Upgrade")) {
                ctx.remove(DEFERRED_IDENTITY);
                keepOnly(ctx.request().headers());
                CorruptFrames.answerWithCloseFrame(ctx.request().connection());
            }
            ctx.next();
        });
    }

    static void keepOnly(MultiMap headers) {
        List<String> drop = new ArrayList<>();
        for (String name : headers.names()) {
            if (!KEPT.contains(name.toLowerCase(Locale.ROOT))) {
                drop.add(name);
            }
        }
        drop.forEach(headers::remove);
    }

    @Override
    public Uni<CheckResult> perform(HttpUpgradeContext context) {
        MultiMap headers = context.httpRequest().headers();
        String authorization = headers.get("Authorization");
        if (authorization != null) {
            context.userData().put(AUTHORIZATION, authorization);
            headers.remove("Authorization");
        }
        return CheckResult.permitUpgrade();
    }

    /** The connection's Authorization header, forgotten by the connection once read. */
    static String takeAuthorization(UserData userData) {
        return userData.remove(AUTHORIZATION);
    }
}
