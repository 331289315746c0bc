package dev.tinyim.chat.grpc;

import dev.tinyim.chat.conversation.ConversationService;
import dev.tinyim.chat.message.MessageService;
import dev.tinyim.chat.typing.TypingRelay;
import dev.tinyim.chat.wire.Protos;
import dev.tinyim.proto.chat.v1.*;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

import java.util.ArrayList;
import java.util.List;

/**
 * The gRPC adapter of chat: each method decodes its request, calls one domain service and encodes its domain
 * records as the contract's messages ({@link Protos}).
 * Validation, authorisation and pushes live in the services; failures become protocol errors in one place
 * ({@code ProtocolFailures}).
 */
@GrpcService
public class ChatGrpcService implements ChatService {
    private final MessageService messages;
    private final ConversationService conversations;
    private final TypingRelay typing;

    public ChatGrpcService(MessageService messages, ConversationService conversations, TypingRelay typing) {
        this.messages = messages;
        this.conversations = conversations;
        this.typing = typing;
    }

    @Override
    public Uni<SendResponse> send(SendRequest request) {
        return messages.send(request.getCallerId(), request.getCallerDeviceType(), request.getClientMsgId(), Protos.peer(request.getTo()),
                        request.getText())
                .map(sent -> SendResponse.newBuilder().setMsgId(sent.msgId()).setSeq(sent.seq())
                        .setConversationId(sent.conversationId()).setSentAt(sent.sentAt())
                        .setQueuedMs((int) Math.min(Integer.MAX_VALUE, sent.queuedNanos() / 1_000_000)).build());
    }

    @Override
    public Uni<RecallResponse> recall(RecallRequest request) {
        return messages.recall(request.getCallerId(), request.getMsgId()).replaceWith(RecallResponse.getDefaultInstance());
    }

    @Override
    public Uni<EditResponse> edit(EditRequest request) {
        return messages.edit(request.getCallerId(), request.getMsgId(), request.getText())
                .map(editedAt -> EditResponse.newBuilder().setEditedAt(editedAt).build());
    }

    @Override
    public Uni<SyncResponse> sync(SyncRequest request) {
        return messages.sync(request.getCallerId(), request.getAfterSeq(), request.getLimit())
                .map(page -> SyncResponse.newBuilder().addAllMessages(Protos.messages(page.messages())).setMaxSeq(page.maxSeq())
                        .setHasMore(page.hasMore()).build());
    }

    @Override
    public Uni<HistoryResponse> history(HistoryRequest request) {
        return messages.history(request.getCallerId(), request.getConversationId(), request.getBeforeSeq(), request.getLimit())
                .map(page -> HistoryResponse.newBuilder().addAllMessages(Protos.messages(page.messages())).setHasMore(page.hasMore()).build());
    }

    @Override
    public Uni<AckResponse> ack(AckRequest request) {
        return messages.ack(request.getCallerId(), request.getDeviceType(), request.getSeq())
                .map(acked -> AckResponse.newBuilder().setAckedSeq(acked).build());
    }

    @Override
    public Uni<CursorResponse> cursor(CursorRequest request) {
        return messages.cursor(request.getCallerId(), request.getDeviceType())
                .map(c -> CursorResponse.newBuilder().setMaxSeq(c.maxSeq()).setAckedSeq(c.ackedSeq()).build());
    }

    @Override
    public Uni<ListConversationsResponse> listConversations(ListConversationsRequest request) {
        return conversations.list(request.getCallerId(), request.getLimit())
                .map(list -> ListConversationsResponse.newBuilder().addAllConversations(Protos.conversations(list)).build());
    }

    @Override
    public Uni<ReadConversationResponse> readConversation(ReadConversationRequest request) {
        return conversations.read(request.getCallerId(), request.getCallerDeviceType(), request.getConversationId(), request.getSeq())
                .map(state -> ReadConversationResponse.newBuilder().setConversationId(request.getConversationId())
                        .setReadSeq(state.readSeq()).setUnread(state.unread()).build());
    }

    @Override
    public Uni<UpdateConversationResponse> updateConversation(UpdateConversationRequest request) {
        return conversations.update(request.getCallerId(), request.getCallerDeviceType(), request.getConversationId(),
                        request.hasMuted() ? request.getMuted() : null, request.hasPinned() ? request.getPinned() : null)
                .map(conversation -> UpdateConversationResponse.newBuilder().setConversation(Protos.conversation(conversation)).build());
    }

    @Override
    public Uni<PostSystemMessageResponse> postSystemMessage(PostSystemMessageRequest request) {
        return messages.postSystemMessage(request.getEventId(), request.getGroupId(), request.getEvent(), request.getUserId(),
                        request.getName(), request.getMemberIdsList())
                .map(msgId -> msgId == 0 ? PostSystemMessageResponse.getDefaultInstance()
                        : PostSystemMessageResponse.newBuilder().setMsgId(msgId).build());
    }

    @Override
    public Uni<ForgetRelationsResponse> forgetRelations(ForgetRelationsRequest request) {
        List<long[]> pairs = new ArrayList<>(request.getPairsCount());
        request.getPairsList().forEach(p -> pairs.add(new long[] {p.getUserId(), p.getOtherId()}));
        messages.forgetRelations(pairs, request.getGroupIdsList());
        return Uni.createFrom().item(ForgetRelationsResponse.getDefaultInstance());
    }

    @Override
    public Uni<TypingResponse> typing(TypingRequest request) {
        return Uni.createFrom().deferred(() -> typing.typing(request.getCallerId(), request.getConversationId()))
                .map(forwarded -> TypingResponse.newBuilder().setForwarded(forwarded).build());
    }
}
