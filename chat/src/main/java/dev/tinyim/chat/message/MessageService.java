package dev.tinyim.chat.message;

import dev.tinyim.chat.ChatConfig;
import dev.tinyim.chat.Pages;
import dev.tinyim.chat.conversation.ConversationService;
import dev.tinyim.chat.permission.Permissions;
import dev.tinyim.chat.push.MessagePush;
import dev.tinyim.chat.timeline.Amendments;
import dev.tinyim.chat.timeline.ConversationIds;
import dev.tinyim.chat.timeline.NewMessage;
import dev.tinyim.chat.timeline.Peer;
import dev.tinyim.chat.timeline.Timeline;
import dev.tinyim.shared.error.ErrorCode;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * Messages (PROTOCOL.md 5, 7.4): who may send to whom, the rules of a message's fields, the send itself (one
 * append to every recipient's timeline; a resend with the same clientMsgId answers the first result), recall and
 * edit, and the reads of a timeline (sync, history) with their cursors.
 * <p>
 * A send reads as its steps: validate, resolve the recipients, append to their timelines, publish what was
 * stored. Nothing below this service publishes.
 */
@ApplicationScoped
public class MessageService {
    public static final int MAX_CLIENT_MSG_ID_LENGTH = 64;

    private final Timeline timeline;
    private final Permissions permissions;
    private final ConversationService conversations;
    private final Amendments amendments;
    private final MessagePush push;
    private final int maxTextLength;

    public MessageService(Timeline timeline, Permissions permissions, ConversationService conversations, Amendments amendments,
                          MessagePush push, ChatConfig config) {
        this.timeline = timeline;
        this.permissions = permissions;
        this.conversations = conversations;
        this.amendments = amendments;
        this.push = push;
        this.maxTextLength = config.maxTextLength();
    }

    /** A stored send as its sender sees it, and how long it waited for its transaction (not shown to the client). */
    public record Sent(long msgId, long seq, String conversationId, long sentAt, long queuedNanos) {
    }

    private record Target(String conversationId, List<Long> recipients) {
    }

    public Uni<Sent> send(long sender, String senderDevice, String clientMsgId, Peer to, String text) {
        return Uni.createFrom().voidItem().invoke(() -> validate(clientMsgId, to, text))
                .chain(() -> resolve(sender, to))
                .chain(target -> {
                    NewMessage message = NewMessage.text(sender, clientMsgId, target.conversationId(), to, text);
                    return timeline.append(message, target.recipients()).invoke(appended -> publish(message, appended, senderDevice));
                })
                // a resend returns its first result even when the two are no longer friends (PROTOCOL.md 5.3)
                .onFailure(MessageService::refused).recoverWithUni(refusal -> timeline.findExisting(sender, clientMsgId)
                        .onItem().ifNull().failWith(refusal))
                .map(appended -> new Sent(appended.msgId(), appended.seqs().get(sender), conversationOf(sender, to),
                        appended.sentAt(), appended.queuedNanos()));
    }

    /** A stored message to its holders' connections (the sender's device that sent it left out); a resend: nothing. */
    private void publish(NewMessage message, Timeline.Appended appended, String senderDevice) {
        if (!appended.duplicate()) {
            push.message(message, appended, senderDevice);
        }
    }

    private static boolean refused(Throwable failure) {
        ErrorCode code = ErrorCode.of(failure);
        return code == ErrorCode.FORBIDDEN || code == ErrorCode.NOT_FOUND;
    }

    private void validate(String clientMsgId, Peer to, String text) {
        if (clientMsgId.isEmpty() || clientMsgId.length() > MAX_CLIENT_MSG_ID_LENGTH) {
            throw ErrorCode.BAD_REQUEST.exception("clientMsgId must be 1-" + MAX_CLIENT_MSG_ID_LENGTH + " characters");
        }
        if (clientMsgId.chars().anyMatch(ch -> ch < 0x20)) {
            // the server's own entries (recall, edit) use ids that start with one
            throw ErrorCode.BAD_REQUEST.exception("clientMsgId must not contain control characters");
        }
        if (to.id() <= 0 || to.kind() == Peer.Kind.NONE) {
            throw ErrorCode.BAD_REQUEST.exception("to must name a user or a group");
        }
        validateText(text);
    }

    private void validateText(String text) {
        int length = text.codePointCount(0, text.length());
        if (length == 0) {
            throw ErrorCode.BAD_REQUEST.exception("text must not be empty");
        }
        if (length > maxTextLength) {
            throw ErrorCode.TOO_LARGE.exception("text is longer than " + maxTextLength + " characters");
        }
    }

    /** 1:1 only between friends (and not to oneself); to a group only as a member. */
    private Uni<Target> resolve(long sender, Peer to) {
        long toId = to.id();
        if (to.kind() == Peer.Kind.USER) {
            if (toId == sender) {
                return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("you cannot message yourself"));
            }
            return permissions.requireFriends(sender, toId)
                    .map(ok -> new Target(ConversationIds.direct(sender, toId), List.of(sender, toId)));
        }
        return permissions.members(toId).map(members -> {
            if (!members.contains(sender)) {
                throw ErrorCode.FORBIDDEN.exception("you are not a member of this group");
            }
            return new Target(ConversationIds.group(toId), members);
        });
    }

    private static String conversationOf(long sender, Peer to) {
        return to.isGroup() ? ConversationIds.group(to.id()) : ConversationIds.direct(sender, to.id());
    }

    public Uni<Void> recall(long caller, long msgId) {
        return amendments.recall(caller, msgId).invoke(amended -> push.entries(amended.entries())).replaceWithVoid();
    }

    /** The new text of the caller's message; when it was edited. */
    public Uni<Long> edit(long caller, long msgId, String text) {
        return Uni.createFrom().item(text).invoke(this::validateText)
                .chain(valid -> amendments.edit(caller, msgId, valid))
                .invoke(amended -> push.entries(amended.entries()))
                .map(Amendments.Amended::editedAt);
    }

    public Uni<Timeline.Page> sync(long caller, long afterSeq, int requestedLimit) {
        if (afterSeq < 0) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("afterSeq must be >= 0"));
        }
        return Uni.createFrom().item(() -> Pages.size(requestedLimit, 100))
                .chain(limit -> timeline.sync(caller, afterSeq, limit));
    }

    /** A page of one of the caller's conversations, newest first, before {@code beforeSeq} (0: from the newest). */
    public Uni<Timeline.Page> history(long caller, String conversationId, long beforeSeq, int requestedLimit) {
        if (beforeSeq < 0) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("beforeSeq must be > 0"));
        }
        long before = beforeSeq == 0 ? Long.MAX_VALUE : beforeSeq;
        return Uni.createFrom().item(() -> Pages.size(requestedLimit, 50))
                .chain(limit -> conversations.authorise(caller, conversationId)
                        .chain(() -> timeline.history(caller, conversationId, before, limit)));
    }

    public Uni<Long> ack(long caller, String device, long seq) {
        return timeline.ack(caller, device, seq);
    }

    /** The caller's timeline end and the device's acknowledged seq. */
    public record Cursor(long maxSeq, long ackedSeq) {
    }

    public Uni<Cursor> cursor(long caller, String device) {
        return Uni.combine().all().unis(timeline.maxSeq(caller), timeline.ackedSeq(caller, device)).asTuple()
                .map(t -> new Cursor(t.getItem1(), t.getItem2()));
    }

    /** A group's system message (member joined, left, ...) on every member's timeline, once per event id. */
    public Uni<Long> postSystemMessage(String eventId, long groupId, String event, long userId, String name, List<Long> memberIds) {
        if (memberIds.isEmpty()) {
            return Uni.createFrom().item(0L);
        }
        Peer to = Peer.group(groupId);
        NewMessage message = NewMessage.system(eventId, ConversationIds.group(groupId), to, event, userId, name);
        return timeline.append(message, memberIds).invoke(appended -> publish(message, appended, ""))
                .map(Timeline.Appended::msgId);
    }

    /** Relation's word that friendships or groups changed: what chat remembered of them is forgotten. */
    public void forgetRelations(List<long[]> pairs, List<Long> groupIds) {
        permissions.forget(pairs, groupIds);
    }
}
