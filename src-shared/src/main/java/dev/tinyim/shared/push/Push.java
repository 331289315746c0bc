package dev.tinyim.shared.push;

import dev.tinyim.shared.wire.Event;
import dev.tinyim.shared.wire.WireJson;
import io.vertx.core.json.JsonObject;

/**
 * One frame for one user's connections. Filters narrow the delivery: to one device type, to every device type
 * but one, or to the connection of one session. A kick sends the frame, then closes the connection with 4001.
 */
public record Push(long userId, String frame, String onlyDevice, String exceptDevice, String onlySession,
                   String kickReason) {

    public static Push toUser(long userId, String frame) {
        return new Push(userId, frame, null, null, null, null);
    }

    public static Push toOtherDevices(long userId, String exceptDevice, String frame) {
        return new Push(userId, frame, null, exceptDevice, null, null);
    }

    /** The {@code kicked} event to the connection of one session, which is then closed with 4001. */
    public static Push kick(long userId, String deviceType, String sessionId, String reason) {
        String frame = WireJson.event(Event.KICKED, new JsonObject().put("reason", reason));
        return new Push(userId, frame, deviceType, null, sessionId, reason);
    }

    boolean accepts(Route route) {
        return (onlyDevice == null || onlyDevice.equals(route.deviceType()))
                && (exceptDevice == null || !exceptDevice.equals(route.deviceType()))
                && (onlySession == null || onlySession.equals(route.sessionId()));
    }
}
