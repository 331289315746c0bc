package dev.tinyim.relation.profile;

/** Nicknames and group names (PROTOCOL.md 4): 1-64 characters, not only blanks. */
public final class Names {
    public static final int MAX_LENGTH = 64;

    private Names() {
    }

    public static boolean valid(String text) {
        int length = text.codePointCount(0, text.length());
        return length >= 1 && length <= MAX_LENGTH && !text.isBlank();
    }
}
