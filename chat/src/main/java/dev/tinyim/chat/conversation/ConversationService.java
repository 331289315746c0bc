package dev.tinyim.chat.conversation;

import dev.tinyim.chat.Pages;
import dev.tinyim.chat.permission.Permissions;
import dev.tinyim.chat.timeline.ConversationIds;
import dev.tinyim.chat.timeline.ConversationView;
import dev.tinyim.chat.wire.Protos;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.push.Push;
import dev.tinyim.shared.push.PushBus;
import dev.tinyim.shared.wire.Event;
import dev.tinyim.shared.wire.WireJson;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * Conversations (PROTOCOL.md 5.6, 7.3, 7.7): who may see one, the list with unread counts, reading up to a seq
 * (told to the caller's other devices and, in its own seqs, to the 1:1 peer), and the caller's mute and pin.
 */
@ApplicationScoped
public class ConversationService {
    private final ConversationStore conversations;
    private final Permissions permissions;
    private final PushBus pushBus;

    public ConversationService(ConversationStore conversations, Permissions permissions, PushBus pushBus) {
        this.conversations = conversations;
        this.permissions = permissions;
        this.pushBus = pushBus;
    }

    /** Only the caller's own conversations: one of the pair, or a member (present or past) of the group. */
    public Uni<ConversationIds.Parsed> authorise(long caller, String conversationId) {
        return Uni.createFrom().item(() -> ConversationIds.parse(conversationId))
                .call(parsed -> authorise(caller, conversationId, parsed));
    }

    private Uni<Void> authorise(long caller, String conversationId, ConversationIds.Parsed parsed) {
        if (!parsed.isGroup()) {
            return parsed.involves(caller) ? Uni.createFrom().voidItem()
                    : Uni.createFrom().failure(ErrorCode.FORBIDDEN.exception("not your conversation"));
        }
        return conversations.exists(caller, conversationId).chain(had -> had ? Uni.createFrom().voidItem()
                : permissions.members(parsed.first()).chain(members -> members.contains(caller)
                        ? Uni.createFrom().voidItem()
                        : Uni.createFrom().failure(ErrorCode.FORBIDDEN.exception("not a member of this group"))));
    }

    /** A 1:1 conversation with messages, or with a friend: settings are not kept for strangers' ids. */
    private Uni<Void> existsOrFriends(long caller, String conversationId, ConversationIds.Parsed parsed) {
        return conversations.exists(caller, conversationId).chain(had -> had ? Uni.createFrom().voidItem()
                : permissions.requireFriends(caller, parsed.peerOf(caller).id())
                        .onFailure(f -> ErrorCode.of(f) == ErrorCode.NOT_FOUND || ErrorCode.of(f) == ErrorCode.FORBIDDEN)
                        .transform(f -> ErrorCode.FORBIDDEN.exception("not your conversation")));
    }

    public Uni<List<ConversationView>> list(long caller, int requestedLimit) {
        return Uni.createFrom().item(() -> Pages.size(requestedLimit, 100))
                .chain(limit -> conversations.list(caller, limit));
    }

    /** Marks the conversation read up to {@code seq} (never backwards); its read seq and unread count after. */
    public Uni<ConversationStore.ReadState> read(long caller, String callerDevice, String conversationId, long seq) {
        return authorise(caller, conversationId)
                .chain(parsed -> conversations.read(caller, conversationId, seq, parsed.isGroup() ? 0 : parsed.peerOf(caller).id()))
                .call(state -> state.moved() ? pushBus.hint(Push.toOtherDevices(caller, callerDevice,
                                WireJson.event(Event.CONV_READ, new JsonObject().put("conversationId", conversationId)
                                        .put("readSeq", state.readSeq()).put("unread", state.unread()))), Event.CONV_READ.wire())
                        : Uni.createFrom().voidItem())
                // PROTOCOL.md 7.3: the peer learns how far the caller has read, in the peer's own seqs
                .call(state -> state.peerSeq() > 0 ? pushBus.hint(Push.toUser(state.peerId(),
                                WireJson.event(Event.CONV_PEER_READ, new JsonObject().put("conversationId", conversationId)
                                        .put("userId", WireJson.id(caller)).put("seq", state.peerSeq()))), Event.CONV_PEER_READ.wire())
                        : Uni.createFrom().voidItem());
    }

    /** The caller's mute and pin (null: unchanged); the caller's other devices are told (conv.updated). */
    public Uni<ConversationView> update(long caller, String callerDevice, String conversationId, Boolean muted, Boolean pinned) {
        if (muted == null && pinned == null) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("give muted, pinned or both"));
        }
        return authorise(caller, conversationId)
                .onFailure(f -> ErrorCode.of(f) == ErrorCode.NOT_FOUND)
                .transform(f -> ErrorCode.FORBIDDEN.exception("not your conversation"))
                .call(parsed -> parsed.isGroup() ? Uni.createFrom().voidItem() : existsOrFriends(caller, conversationId, parsed))
                .chain(parsed -> conversations.update(caller, conversationId, parsed.peerOf(caller), muted, pinned))
                .call(conversation -> pushBus.hint(Push.toOtherDevices(caller, callerDevice,
                        WireJson.event(Event.CONV_UPDATED, WireJson.conversation(Protos.conversation(conversation)))), Event.CONV_UPDATED.wire()));
    }
}
