package dev.tinyim.gateway.ws;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class HandshakesTest {

    @Test
    void keepsOnlyWhatTheUpgradeReads() {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .add("Host", "127.0.0.1:8080").add("Upgrade", "websocket").add("Connection", "Upgrade")
                .add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==").add("Sec-WebSocket-Version", "13")
                .add("Authorization", "Bearer x.y.z")
                .add("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0").add("Cookie", "a=1; b=2")
                .add("Accept-Language", "en-GB,en;q=0.9").add("Origin", "http://127.0.0.1:8080")
                .add("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits");

        Handshakes.keepOnly(headers);

        assertEquals(7, headers.size(), headers.names().toString());
        assertEquals("dGhlIHNhbXBsZSBub25jZQ==", headers.get("sec-websocket-key"));
        assertEquals("Bearer x.y.z", headers.get("Authorization"));
        assertEquals("permessage-deflate; client_max_window_bits", headers.get("Sec-WebSocket-Extensions"));
        assertNull(headers.get("User-Agent"));
        assertNull(headers.get("Cookie"));
        assertNull(headers.get("Origin"));
    }
}
