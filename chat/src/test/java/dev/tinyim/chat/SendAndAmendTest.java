package dev.tinyim.chat;

import dev.tinyim.chat.permission.RelationClient;
import dev.tinyim.chat.permission.StubRelation;
import dev.tinyim.proto.chat.v1.*;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.testing.LocalInfrastructure;
import dev.tinyim.shared.testing.ServiceUnderTest;
import io.grpc.ManagedChannel;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static dev.tinyim.shared.testing.ServiceUnderTest.codeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chat's send path and its amendments on their own (chat's gRPC API in this JVM, real MariaDB and Redis, relation
 * stubbed where chat asks it, {@link StubRelation}): 1:1 and group sends land once in every recipient's timeline,
 * gap-free; recall and edit entries come from the same writer, so sends after them take the next seqs.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfrastructure.class, restrictToAnnotatedClass = true)
class SendAndAmendTest {
    private final StubRelation relation = new StubRelation();
    private ManagedChannel channel;
    private ChatServiceGrpc.ChatServiceBlockingStub chat;
    private ChatServiceGrpc.ChatServiceFutureStub async;

    @BeforeEach
    void connect() {
        QuarkusMock.installMockForType(relation, RelationClient.class);
        channel = ServiceUnderTest.channel();
        chat = ChatServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        async = ChatServiceGrpc.newFutureStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        ServiceUnderTest.close(channel);
    }

    private static long user() {
        return 9_000_000_000L + ThreadLocalRandom.current().nextLong(1_000_000_000L);
    }

    private static SendRequest send(long from, PeerType type, long to, String clientMsgId, String text) {
        return SendRequest.newBuilder().setCallerId(from).setCallerDeviceType("web").setClientMsgId(clientMsgId).setText(text)
                .setTo(Peer.newBuilder().setType(type).setId(to)).build();
    }

    private List<Message> timeline(long userId) {
        return chat.sync(SyncRequest.newBuilder().setCallerId(userId).setAfterSeq(0).setLimit(500).build()).getMessagesList();
    }

    private static void assertGapFree(List<Message> messages) {
        for (int i = 0; i < messages.size(); i++) {
            assertEquals(i + 1, messages.get(i).getSeq(), "seqs 1, 2, 3, ... with none missing: " + messages);
        }
    }

    @Test
    void aSendBetweenFriendsIsInBothTimelinesOnceAndAResendAnswersTheFirstResult() {
        long a = user();
        long b = user();
        relation.friends(a, b);
        SendResponse first = chat.send(send(a, PeerType.PEER_TYPE_USER, b, "m1", "hello"));
        SendResponse again = chat.send(send(a, PeerType.PEER_TYPE_USER, b, "m1", "hello"));
        assertEquals(first.getMsgId(), again.getMsgId(), "a resend answers the first result");
        assertEquals(first.getSeq(), again.getSeq());
        for (long holder : List.of(a, b)) {
            List<Message> messages = timeline(holder);
            assertEquals(1, messages.size(), "stored once");
            assertEquals("hello", messages.get(0).getText().getText());
            assertEquals(first.getMsgId(), messages.get(0).getMsgId());
        }
        long stranger = user();
        assertEquals(ErrorCode.FORBIDDEN, codeOf(() -> chat.send(send(a, PeerType.PEER_TYPE_USER, stranger, "m2", "hi"))));
        assertEquals(0, timeline(stranger).size(), "a refused send stores nothing");
    }

    @Test
    void concurrentSendsToAGroupReachEveryMemberGapFreeAndInEachSendersOrder() throws Exception {
        long owner = user();
        List<Long> members = List.of(owner, user(), user(), user());
        long group = user();
        relation.group(group, members);
        List<CompletableFuture<SendResponse>> results = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long sender = members.get(i % members.size());
            var future = async.send(send(sender, PeerType.PEER_TYPE_GROUP, group, "g" + i, "n" + i));
            CompletableFuture<SendResponse> done = new CompletableFuture<>();
            future.addListener(() -> {
                try {
                    done.complete(future.get());
                } catch (Exception e) {
                    done.completeExceptionally(e);
                }
            }, Runnable::run);
            results.add(done);
        }
        for (CompletableFuture<SendResponse> r : results) {
            r.get(30, TimeUnit.SECONDS);
        }
        for (long member : members) {
            List<Message> messages = timeline(member);
            assertEquals(20, messages.size(), "every send once in every member's timeline");
            assertGapFree(messages);
        }
        long outsider = user();
        assertEquals(ErrorCode.FORBIDDEN, codeOf(() -> chat.send(send(outsider, PeerType.PEER_TYPE_GROUP, group, "x", "hi"))));
    }

    @Test
    void editAndRecallAppendOneEntryToEveryHolderAndLaterSendsTakeTheNextSeqs() {
        long a = user();
        long b = user();
        relation.friends(a, b);
        SendResponse sent = chat.send(send(a, PeerType.PEER_TYPE_USER, b, "e1", "first"));
        long editedAt = chat.edit(EditRequest.newBuilder().setCallerId(a).setMsgId(sent.getMsgId()).setText("second").build()).getEditedAt();
        assertTrue(editedAt > 0);
        assertEquals(editedAt, chat.edit(EditRequest.newBuilder().setCallerId(a).setMsgId(sent.getMsgId()).setText("second").build())
                .getEditedAt(), "the same text again changes nothing");
        assertEquals(ErrorCode.FORBIDDEN, codeOf(() -> chat.recall(RecallRequest.newBuilder().setCallerId(b).setMsgId(sent.getMsgId()).build())),
                "only its sender recalls it");
        chat.recall(RecallRequest.newBuilder().setCallerId(a).setMsgId(sent.getMsgId()).build());
        chat.recall(RecallRequest.newBuilder().setCallerId(a).setMsgId(sent.getMsgId()).build()); // nothing twice
        // a send right after, planned from the counters the writer remembered: no gap, no seq taken twice
        chat.send(send(b, PeerType.PEER_TYPE_USER, a, "e2", "after"));
        for (long holder : List.of(a, b)) {
            List<Message> messages = timeline(holder);
            assertGapFree(messages);
            assertEquals(4, messages.size(), "the message, one edit, one recall, the next send: " + messages);
            assertTrue(messages.get(0).hasRecalled(), "the message reads as recalled");
            assertEquals(sent.getMsgId(), messages.get(1).getEdit().getMsgId());
            assertEquals("second", messages.get(1).getEdit().getText());
            assertEquals(sent.getMsgId(), messages.get(2).getRecall().getMsgId());
            assertEquals("after", messages.get(3).getText().getText());
        }
        ListConversationsResponse conversations = chat.listConversations(ListConversationsRequest.newBuilder().setCallerId(a).build());
        assertEquals(1, conversations.getConversations(0).getUnread(), "only b's new text counts for a: " + conversations);
    }
}
