package dev.tinyim.chat.timeline;

/** Whom a message goes to: a user or a group, by id ({@code NONE}: a request that named neither). */
public record Peer(Kind kind, long id) {
    public enum Kind { USER, GROUP, NONE }

    public static Peer user(long id) {
        return new Peer(Kind.USER, id);
    }

    public static Peer group(long id) {
        return new Peer(Kind.GROUP, id);
    }

    public boolean isGroup() {
        return kind == Kind.GROUP;
    }
}
