package dev.tinyim.chat;

import dev.tinyim.chat.timeline.ConversationIds;
import dev.tinyim.proto.chat.v1.*;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.testing.LocalInfrastructure;
import dev.tinyim.shared.testing.ServiceUnderTest;
import io.grpc.ManagedChannel;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static dev.tinyim.shared.testing.ServiceUnderTest.codeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chat on its own (its gRPC API in this JVM, real MariaDB and Redis): timelines written once per event and read
 * gap-free, cursors that never move back, and every refusal of a bad send before anything is stored. Sends
 * between friends need relation and are covered end to end in client.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfrastructure.class, restrictToAnnotatedClass = true)
class ChatServiceTest {
    @jakarta.inject.Inject
    ChatConfig config;

    private ManagedChannel channel;
    private ChatServiceGrpc.ChatServiceBlockingStub chat;

    @BeforeEach
    void connect() {
        channel = ServiceUnderTest.channel();
        chat = ChatServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        ServiceUnderTest.close(channel);
    }

    /** A user id nobody else uses (timelines need no account: chat trusts the gateway's caller id). */
    private static long user() {
        return 8_000_000_000L + ThreadLocalRandom.current().nextLong(1_000_000_000L);
    }

    private long post(long groupId, String eventId, String event, long subject, List<Long> members) {
        return chat.postSystemMessage(PostSystemMessageRequest.newBuilder().setGroupId(groupId).setEventId(eventId)
                .setEvent(event).setUserId(subject).addAllMemberIds(members).build()).getMsgId();
    }

    private SyncResponse sync(long userId, long afterSeq) {
        return chat.sync(SyncRequest.newBuilder().setCallerId(userId).setAfterSeq(afterSeq).setLimit(500).build());
    }

    private long maxSeq(long userId) {
        return chat.cursor(CursorRequest.newBuilder().setCallerId(userId).setDeviceType("web").build()).getMaxSeq();
    }

    @Test
    void anEventIsWrittenOnceToEveryMembersTimelineAtTheNextSeq() {
        long a = user();
        long b = user();
        long group = user();
        String joined = UUID.randomUUID().toString();
        long first = post(group, joined, "member_joined", b, List.of(a, b));
        assertEquals(first, post(group, joined, "member_joined", b, List.of(a, b)), "the same event id is the same message");
        long second = post(group, UUID.randomUUID().toString(), "member_left", b, List.of(a, b));
        for (long member : List.of(a, b)) {
            SyncResponse page = sync(member, 0);
            assertEquals(2, page.getMaxSeq());
            assertEquals(2, page.getMessagesCount(), "each event once");
            assertEquals(List.of(1L, 2L), page.getMessagesList().stream().map(Message::getSeq).toList(), "gap-free");
            assertEquals(List.of(first, second), page.getMessagesList().stream().map(Message::getMsgId).toList());
            Message m = page.getMessages(0);
            assertEquals(ConversationIds.group(group), m.getConversationId());
            assertEquals(0, m.getFrom(), "system messages come from 0");
            assertEquals("member_joined", m.getSystem().getEvent());
            assertEquals(b, m.getSystem().getUserId());
            assertFalse(page.getHasMore());
        }
        assertEquals(List.of(second), sync(a, 1).getMessagesList().stream().map(Message::getMsgId).toList(), "afterSeq is exclusive");
    }

    @Test
    void acksAndReadPositionsNeverMoveBackNorPastTheTimeline() {
        long a = user();
        long group = user();
        for (int i = 0; i < 3; i++) {
            post(group, UUID.randomUUID().toString(), "member_joined", a, List.of(a));
        }
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> chat.ack(AckRequest.newBuilder().setCallerId(a).setDeviceType("web").setSeq(4).build())));
        assertEquals(2, chat.ack(AckRequest.newBuilder().setCallerId(a).setDeviceType("web").setSeq(2).build()).getAckedSeq());
        assertEquals(2, chat.ack(AckRequest.newBuilder().setCallerId(a).setDeviceType("web").setSeq(1).build()).getAckedSeq(),
                "an ack never moves back");
        assertEquals(0, chat.cursor(CursorRequest.newBuilder().setCallerId(a).setDeviceType("mobile").build()).getAckedSeq(),
                "each device type has its own position");

        String conversation = ConversationIds.group(group);
        ReadConversationResponse read = chat.readConversation(ReadConversationRequest.newBuilder().setCallerId(a)
                .setConversationId(conversation).setSeq(3).setCallerDeviceType("web").build());
        assertEquals(3, read.getReadSeq());
        assertEquals(0, read.getUnread());
        assertEquals(3, chat.readConversation(ReadConversationRequest.newBuilder().setCallerId(a)
                .setConversationId(conversation).setSeq(1).setCallerDeviceType("web").build()).getReadSeq(), "read never moves back");
        Conversation listed = chat.listConversations(ListConversationsRequest.newBuilder().setCallerId(a).build()).getConversations(0);
        assertEquals(conversation, listed.getConversationId());
        assertEquals(3, listed.getReadSeq());
    }

    @Test
    void aBadSendIsRefusedWithItsCodeAndStoresNothing() {
        long a = user();
        long b = user();
        Peer toB = Peer.newBuilder().setType(PeerType.PEER_TYPE_USER).setId(b).build();
        int maxText = config.maxTextLength();
        SendRequest ok = SendRequest.newBuilder().setCallerId(a).setTo(toB).setClientMsgId("c1").setText("hello")
                .setCallerDeviceType("web").build();
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> chat.send(ok.toBuilder().setClientMsgId("").build())));
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> chat.send(ok.toBuilder().setClientMsgId("x".repeat(65)).build())));
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> chat.send(ok.toBuilder().setClientMsgId("\u0001recall").build())),
                "control characters are the server's own ids");
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> chat.send(ok.toBuilder().setText("").build())));
        assertEquals(ErrorCode.TOO_LARGE, codeOf(() -> chat.send(ok.toBuilder().setText("😀".repeat(maxText + 1)).build())),
                "the limit counts characters, not UTF-16 units");
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> chat.send(ok.toBuilder()
                .setTo(Peer.newBuilder().setType(PeerType.PEER_TYPE_USER).setId(a)).build())), "not to oneself");
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> chat.send(ok.toBuilder()
                .setTo(Peer.newBuilder().setId(b)).build())), "to names a user or a group");
        assertEquals(0, maxSeq(a));
        assertEquals(0, maxSeq(b));
    }

    @Test
    void readsOutsideTheCallersConversationsOrBoundsAreRefused() {
        long a = user();
        long b = user();
        long c = user();
        String others = ConversationIds.direct(Math.min(b, c), Math.max(b, c));
        assertEquals(ErrorCode.FORBIDDEN, codeOf(() -> chat.history(HistoryRequest.newBuilder().setCallerId(a)
                .setConversationId(others).build())));
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> chat.history(HistoryRequest.newBuilder().setCallerId(a)
                .setConversationId("p:" + Math.max(a, b) + ":" + Math.min(a, b)).build())), "a pair is written low id first");
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> chat.history(HistoryRequest.newBuilder().setCallerId(a)
                .setConversationId("nonsense").build())));
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> chat.sync(SyncRequest.newBuilder().setCallerId(a).setAfterSeq(-1).build())));
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> chat.sync(SyncRequest.newBuilder().setCallerId(a).setLimit(501).build())));
        assertEquals(ErrorCode.FORBIDDEN, codeOf(() -> chat.readConversation(ReadConversationRequest.newBuilder().setCallerId(a)
                .setConversationId(others).setSeq(1).build())));
        assertTrue(sync(a, 0).getMessagesList().isEmpty());
    }
}
