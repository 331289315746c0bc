package dev.tinyim.shared.wire;

/**
 * The server events of PROTOCOL.md (sections 2, 4 and 7), each name written once: a frame's {@code type} is always
 * one of these ({@link WireJson#event}).
 */
public enum Event {
    MSG("msg"),
    FRIEND_REQUEST("friend.request"),
    FRIEND_ACCEPTED("friend.accepted"),
    FRIEND_REJECTED("friend.rejected"),
    CONV_READ("conv.read"),
    CONV_PEER_READ("conv.peer_read"),
    CONV_UPDATED("conv.updated"),
    PRESENCE("presence"),
    TYPING("typing"),
    KICKED("kicked"),
    RECONNECT("reconnect");

    private final String wire;

    Event(String wire) {
        this.wire = wire;
    }

    /** The name as it stands in a frame's {@code type}. */
    public String wire() {
        return wire;
    }
}
