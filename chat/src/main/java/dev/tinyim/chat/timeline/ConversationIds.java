package dev.tinyim.chat.timeline;

import dev.tinyim.shared.error.ErrorCode;

/** PROTOCOL.md conversation ids: "p:<smaller user id>:<larger user id>" and "g:<group id>". */
public final class ConversationIds {
    private ConversationIds() {
    }

    public static String direct(long a, long b) {
        return "p:" + Math.min(a, b) + ":" + Math.max(a, b);
    }

    public static String group(long groupId) {
        return "g:" + groupId;
    }

    public record Parsed(boolean isGroup, long first, long second) {
        public boolean involves(long userId) {
            return !isGroup && (first == userId || second == userId);
        }

        /** The other side of the conversation as the given user sees it. */
        public Peer peerOf(long userId) {
            return isGroup ? Peer.group(first) : Peer.user(first == userId ? second : first);
        }
    }

    /** Parses a conversation id; a malformed one is a bad_request. */
    public static Parsed parse(String id) {
        try {
            if (id.startsWith("g:")) {
                long group = Long.parseLong(id.substring(2));
                if (group > 0 && id.equals(group(group))) {
                    return new Parsed(true, group, 0);
                }
            } else if (id.startsWith("p:")) {
                String[] parts = id.split(":");
                if (parts.length == 3) {
                    long a = Long.parseLong(parts[1]);
                    long b = Long.parseLong(parts[2]);
                    if (a > 0 && b > 0 && a < b && id.equals(direct(a, b))) {
                        return new Parsed(false, a, b);
                    }
                }
            }
        } catch (NumberFormatException ignored) {
            // falls through to the error below
        }
        throw ErrorCode.BAD_REQUEST.exception("malformed conversationId");
    }
}
