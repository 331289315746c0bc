package dev.tinyim.chat;

import dev.tinyim.shared.error.ErrorCode;

/** Page sizes of sync, history and the conversation list (PROTOCOL.md 5): 1-500, 0 meaning the command's default. */
public final class Pages {
    public static final int MAX = 500;

    private Pages() {
    }

    public static int size(int requested, int fallback) {
        int limit = requested == 0 ? fallback : requested;
        if (limit < 1 || limit > MAX) {
            throw ErrorCode.BAD_REQUEST.exception("limit must be 1-" + MAX);
        }
        return limit;
    }
}
