package dev.tinyim.gateway.rest;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * HTTP requests running now, WebSocket upgrades left out, for the graceful stop ({@code ws.Drain}) to wait for.
 * Quarkus' own graceful wait ({@code quarkus.shutdown.timeout}) counts every WebSocket upgrade as a request that
 * never ends, even once its connection closed, so with it every stop of a gateway that had ever held a WebSocket
 * waited the whole timeout and logged an error; the gateway does not use it.
 */
@ApplicationScoped
public class RequestsInFlight {
    private final AtomicInteger running = new AtomicInteger();

    void count(@Observes Router router) {
        // first of all routes: the authentication filter is -200, the WebSocket handshake's trim -100
        router.route().order(-1000).handler(ctx -> {
            if (!ctx.request().headers().contains("Upgrade")) {
                running.incrementAndGet();
                ctx.addEndHandler(ended -> running.decrementAndGet());
            }
            ctx.next();
        });
    }

    public int running() {
        return running.get();
    }
}
