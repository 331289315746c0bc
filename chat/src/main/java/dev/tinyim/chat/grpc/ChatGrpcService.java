package dev.tinyim.chat.grpc;

import dev.tinyim.chat.ChatConfig;
import dev.tinyim.chat.conversation.ConversationStore;
import dev.tinyim.chat.permission.Permissions;
import dev.tinyim.chat.timeline.Amendments;
import dev.tinyim.chat.timeline.ConversationIds;
import dev.tinyim.chat.timeline.NewMessage;
import dev.tinyim.chat.timeline.Timeline;
import dev.tinyim.chat.typing.TypingRelay;
import dev.tinyim.proto.chat.v1.*;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.push.Push;
import dev.tinyim.shared.push.PushBus;
import dev.tinyim.shared.wire.WireJson;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/** Messages on per-user timelines: send, sync, history, ack, conversations, and group system messages. */
@GrpcService
public class ChatGrpcService implements ChatService {
    private static final int MAX_PAGE = 500;

    private final Timeline timeline;
    private final ConversationStore conversations;
    private final Permissions permissions;
    private final PushBus pushBus;
    private final TypingRelay typing;
    private final int maxTextLength;
    private final Amendments amendments;

    public ChatGrpcService(Timeline timeline, ConversationStore conversations, Permissions permissions, PushBus pushBus,
                           TypingRelay typing, ChatConfig config, Amendments amendments) {
        this.timeline = timeline;
        this.amendments = amendments;
        this.typing = typing;
        this.conversations = conversations;
        this.permissions = permissions;
        this.pushBus = pushBus;
        this.maxTextLength = config.maxTextLength();
    }

    private record Target(String conversationId, Peer to, List<Long> recipients) {
    }

    @Override
    public Uni<SendResponse> send(SendRequest request) {
        long sender = request.getCallerId();
        return Uni.createFrom().item(request).invoke(this::validate)
                .chain(this::resolve)
                .chain(target -> timeline.append(NewMessage.text(sender, request.getClientMsgId(), target.conversationId(),
                        target.to(), request.getText()), target.recipients(), request.getCallerDeviceType()))
                // a resend returns its first result even when the two are no longer friends (PROTOCOL.md 5.3)
                .onFailure(ChatGrpcService::refused).recoverWithUni(refusal -> timeline.findExisting(sender, request.getClientMsgId())
                        .onItem().ifNull().failWith(refusal))
                .map(appended -> result(appended, sender, request));
    }

    private static boolean refused(Throwable failure) {
        ErrorCode code = ErrorCode.of(failure);
        return code == ErrorCode.FORBIDDEN || code == ErrorCode.NOT_FOUND;
    }

    private void validate(SendRequest r) {
        String cmid = r.getClientMsgId();
        if (cmid.isEmpty() || cmid.length() > 64) {
            throw ErrorCode.BAD_REQUEST.exception("clientMsgId must be 1-64 characters");
        }
        if (cmid.chars().anyMatch(ch -> ch < 0x20)) {
            // the server's own entries (recall, edit) use ids that start with one
            throw ErrorCode.BAD_REQUEST.exception("clientMsgId must not contain control characters");
        }
        if (r.getTo().getId() <= 0 || r.getTo().getType() == PeerType.PEER_TYPE_UNSPECIFIED) {
            throw ErrorCode.BAD_REQUEST.exception("to must name a user or a group");
        }
        validateText(r.getText());
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

    @Override
    public Uni<RecallResponse> recall(RecallRequest request) {
        return amendments.recall(request.getCallerId(), request.getMsgId())
                .replaceWith(RecallResponse.getDefaultInstance());
    }

    @Override
    public Uni<EditResponse> edit(EditRequest request) {
        return Uni.createFrom().item(request.getText()).invoke(this::validateText)
                .chain(text -> amendments.edit(request.getCallerId(), request.getMsgId(), text))
                .map(editedAt -> EditResponse.newBuilder().setEditedAt(editedAt).build());
    }

    private Uni<Target> resolve(SendRequest r) {
        long sender = r.getCallerId();
        long to = r.getTo().getId();
        if (r.getTo().getType() == PeerType.PEER_TYPE_USER) {
            if (to == sender) {
                return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("you cannot message yourself"));
            }
            return permissions.requireFriends(sender, to)
                    .map(ok -> new Target(ConversationIds.direct(sender, to), r.getTo(), List.of(sender, to)));
        }
        return permissions.members(to).map(members -> {
            if (!members.contains(sender)) {
                throw ErrorCode.FORBIDDEN.exception("you are not a member of this group");
            }
            return new Target(ConversationIds.group(to), r.getTo(), members);
        });
    }

    private static SendResponse result(Timeline.Appended appended, long sender, SendRequest request) {
        String conversationId = request.getTo().getType() == PeerType.PEER_TYPE_GROUP
                ? ConversationIds.group(request.getTo().getId()) : ConversationIds.direct(sender, request.getTo().getId());
        return SendResponse.newBuilder().setMsgId(appended.msgId()).setSeq(appended.seqs().get(sender))
                .setConversationId(conversationId).setSentAt(appended.sentAt()).build();
    }

    /** Page size of sync, history and the conversation list: 1-500, 0 meaning the default. */
    private static int pageSize(int requested, int fallback) {
        int limit = requested == 0 ? fallback : requested;
        if (limit < 1 || limit > MAX_PAGE) {
            throw ErrorCode.BAD_REQUEST.exception("limit must be 1-" + MAX_PAGE);
        }
        return limit;
    }

    @Override
    public Uni<SyncResponse> sync(SyncRequest request) {
        if (request.getAfterSeq() < 0) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("afterSeq must be >= 0"));
        }
        return Uni.createFrom().item(() -> pageSize(request.getLimit(), 100))
                .chain(limit -> timeline.sync(request.getCallerId(), request.getAfterSeq(), limit))
                .map(page -> SyncResponse.newBuilder().addAllMessages(page.messages()).setMaxSeq(page.maxSeq())
                        .setHasMore(page.hasMore()).build());
    }

    @Override
    public Uni<HistoryResponse> history(HistoryRequest request) {
        if (request.getBeforeSeq() < 0) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("beforeSeq must be > 0"));
        }
        long before = request.getBeforeSeq() == 0 ? Long.MAX_VALUE : request.getBeforeSeq();
        long caller = request.getCallerId();
        String conversationId = request.getConversationId();
        return Uni.createFrom().item(() -> pageSize(request.getLimit(), 50))
                .chain(limit -> Uni.createFrom().item(() -> ConversationIds.parse(conversationId))
                        .chain(parsed -> authorise(caller, conversationId, parsed))
                        .chain(() -> timeline.history(caller, conversationId, before, limit)))
                .map(page -> HistoryResponse.newBuilder().addAllMessages(page.messages()).setHasMore(page.hasMore()).build());
    }

    /** Only the caller's own conversations: one of the pair, or a member (present or past) of the group. */
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
                : permissions.requireFriends(caller, parsed.peerOf(caller).getId())
                        .onFailure(f -> ErrorCode.of(f) == ErrorCode.NOT_FOUND || ErrorCode.of(f) == ErrorCode.FORBIDDEN)
                        .transform(f -> ErrorCode.FORBIDDEN.exception("not your conversation")));
    }

    @Override
    public Uni<AckResponse> ack(AckRequest request) {
        return timeline.ack(request.getCallerId(), request.getDeviceType(), request.getSeq())
                .map(acked -> AckResponse.newBuilder().setAckedSeq(acked).build());
    }

    @Override
    public Uni<CursorResponse> cursor(CursorRequest request) {
        return Uni.combine().all().unis(timeline.maxSeq(request.getCallerId()),
                        timeline.ackedSeq(request.getCallerId(), request.getDeviceType())).asTuple()
                .map(t -> CursorResponse.newBuilder().setMaxSeq(t.getItem1()).setAckedSeq(t.getItem2()).build());
    }

    @Override
    public Uni<ListConversationsResponse> listConversations(ListConversationsRequest request) {
        return Uni.createFrom().item(() -> pageSize(request.getLimit(), 100))
                .chain(limit -> conversations.list(request.getCallerId(), limit))
                .map(list -> ListConversationsResponse.newBuilder().addAllConversations(list).build());
    }

    @Override
    public Uni<ReadConversationResponse> readConversation(ReadConversationRequest request) {
        long caller = request.getCallerId();
        String conversationId = request.getConversationId();
        return Uni.createFrom().item(() -> ConversationIds.parse(conversationId))
                .chain(parsed -> authorise(caller, conversationId, parsed)
                        .chain(() -> conversations.read(caller, conversationId, request.getSeq(),
                                parsed.isGroup() ? 0 : parsed.peerOf(caller).getId())))
                .call(state -> state.moved() ? pushBus.publish(Push.toOtherDevices(caller, request.getCallerDeviceType(),
                                WireJson.event("conv.read", new JsonObject().put("conversationId", conversationId)
                                        .put("readSeq", state.readSeq()).put("unread", state.unread()))))
                        .onFailure().recoverWithNull() : Uni.createFrom().voidItem())
                // PROTOCOL.md 7.3: the peer learns how far the caller has read, in the peer's own seqs
                .call(state -> state.peerSeq() > 0 ? pushBus.publish(Push.toUser(state.peerId(),
                                WireJson.event("conv.peer_read", new JsonObject().put("conversationId", conversationId)
                                        .put("userId", WireJson.id(caller)).put("seq", state.peerSeq()))))
                        .onFailure().recoverWithNull() : Uni.createFrom().voidItem())
                .map(state -> ReadConversationResponse.newBuilder().setConversationId(conversationId)
                        .setReadSeq(state.readSeq()).setUnread(state.unread()).build());
    }

    @Override
    public Uni<PostSystemMessageResponse> postSystemMessage(PostSystemMessageRequest request) {
        long group = request.getGroupId();
        Peer to = Peer.newBuilder().setType(PeerType.PEER_TYPE_GROUP).setId(group).build();
        NewMessage message = NewMessage.system(request.getEventId(), ConversationIds.group(group), to,
                request.getEvent(), request.getUserId(), request.getName());
        if (request.getMemberIdsCount() == 0) {
            return Uni.createFrom().item(PostSystemMessageResponse.getDefaultInstance());
        }
        return timeline.append(message, request.getMemberIdsList(), "")
                .map(appended -> PostSystemMessageResponse.newBuilder().setMsgId(appended.msgId()).build());
    }

    @Override
    public Uni<ForgetRelationsResponse> forgetRelations(ForgetRelationsRequest request) {
        List<long[]> pairs = new ArrayList<>(request.getPairsCount());
        request.getPairsList().forEach(p -> pairs.add(new long[] {p.getUserId(), p.getOtherId()}));
        permissions.forget(pairs, request.getGroupIdsList());
        return Uni.createFrom().item(ForgetRelationsResponse.getDefaultInstance());
    }

    @Override
    public Uni<TypingResponse> typing(TypingRequest request) {
        return Uni.createFrom().deferred(() -> typing.typing(request.getCallerId(), request.getConversationId()))
                .map(forwarded -> TypingResponse.newBuilder().setForwarded(forwarded).build());
    }

    @Override
    public Uni<UpdateConversationResponse> updateConversation(UpdateConversationRequest request) {
        long caller = request.getCallerId();
        String conversationId = request.getConversationId();
        if (!request.hasMuted() && !request.hasPinned()) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("give muted, pinned or both"));
        }
        Boolean muted = request.hasMuted() ? request.getMuted() : null;
        Boolean pinned = request.hasPinned() ? request.getPinned() : null;
        return Uni.createFrom().item(() -> ConversationIds.parse(conversationId))
                .chain(parsed -> authorise(caller, conversationId, parsed)
                        .onFailure(f -> ErrorCode.of(f) == ErrorCode.NOT_FOUND)
                        .transform(f -> ErrorCode.FORBIDDEN.exception("not your conversation"))
                        .chain(() -> parsed.isGroup() ? Uni.createFrom().voidItem() : existsOrFriends(caller, conversationId, parsed))
                        .chain(() -> conversations.update(caller, conversationId, parsed.peerOf(caller), muted, pinned)))
                .call(conversation -> pushBus.publish(Push.toOtherDevices(caller, request.getCallerDeviceType(),
                                WireJson.event("conv.updated", WireJson.conversation(conversation))))
                        .onFailure().recoverWithNull())
                .map(conversation -> UpdateConversationResponse.newBuilder().setConversation(conversation).build());
    }
}
