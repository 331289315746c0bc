package dev.tinyim.chat.timeline;

/**
 * A timeline entry as one holder reads it (PROTOCOL.md 5.2, 7.4): the message at that holder's seq, with what it
 * carries. {@code clientMsgId} and {@code editedAt} belong to a user's text (empty and 0 otherwise).
 */
public record StoredMessage(long seq, long msgId, String conversationId, long from, Peer to, long sentAt,
                            String clientMsgId, long editedAt, Content content) {

    /** What an entry carries. */
    public sealed interface Content permits Text, SystemEvent, Recall, Edit, Recalled {
    }

    /** A user's text. */
    public record Text(String text) implements Content {
    }

    /** A group event written by the server (member_joined, group_renamed, ...); {@code name} where it has one. */
    public record SystemEvent(String event, long userId, String name) implements Content {
    }

    /** The entry of a recall: message {@code msgId} reads as recalled from now on. */
    public record Recall(long msgId) implements Content {
    }

    /** The entry of an edit: message {@code msgId} reads {@code text} from now on. */
    public record Edit(long msgId, String text) implements Content {
    }

    /** A text that its sender recalled. */
    public record Recalled() implements Content {
    }
}
