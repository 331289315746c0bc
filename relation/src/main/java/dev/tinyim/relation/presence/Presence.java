package dev.tinyim.relation.presence;

import java.util.List;

/**
 * A user's presence (PROTOCOL.md 7.1): online with the device types connected now (sorted), or offline with when
 * the last connection closed (epoch ms; 0 if never seen, and for a user whose presence is hidden from the viewer).
 */
public record Presence(long userId, boolean online, List<String> devices, long lastSeenAt) {
    /** How a user looks to a viewer they block, or to one not allowed to see them: offline, never seen. */
    public static Presence hidden(long userId) {
        return new Presence(userId, false, List.of(), 0);
    }
}
