package dev.tinyim.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.tinyim.client.Stack.*;
import static org.junit.jupiter.api.Assertions.*;

/** PROTOCOL.md 7.3: conv.peer_read with the seq translated into the reader's peer's timeline, and peerReadSeq. */
class ReadReceiptTest {


    @Test
    void theSenderLearnsHowFarThePeerReadInItsOwnSeqs() {
        Friends f = friendsAcrossGateways("receipt");
        User c = newUser("other");
        ChatSession cs = connectKept(c, 0);
        befriend(f.as(), c, cs);
        ChatSession bPhone = connectKept(login(f.b().username(), "mobile"), 0);
        String conv = pairConversation(f.a(), f.b());

        send(cs, "user", f.a().id(), "c1", "from someone else"); // a's seqs run ahead of b's
        JsonNode a1 = send(f.as(), "user", f.b().id(), "a1", "one");
        send(cs, "user", f.a().id(), "c2", "again from someone else");
        JsonNode a2 = send(f.as(), "user", f.b().id(), "a2", "two");
        JsonNode a3 = send(f.as(), "user", f.b().id(), "a3", "three");
        assertEquals(0, listedConversation(f.as(), conv).get("peerReadSeq").asLong(), "nothing read yet");

        // b's seqs of a's messages
        Map<String, Long> bSeq = new HashMap<>();
        for (JsonNode m : syncAll(f.bs(), 0)) {
            bSeq.put(m.get("msgId").asText(), m.get("seq").asLong());
        }
        cmd(bPhone, "conv.read", obj().put("conversationId", conv).put("seq", bSeq.get(a2.get("msgId").asText())));
        JsonNode event = awaitEvent(f.as(), "conv.peer_read").get("data");
        assertEquals(conv, event.get("conversationId").asText());
        assertEquals(f.b().id(), event.get("userId").asText());
        assertEquals(a2.get("seq").asLong(), event.get("seq").asLong(), "a's own seq of the newest message b read");
        assertEquals(a2.get("seq").asLong(), listedConversation(f.as(), conv).get("peerReadSeq").asLong(), "kept");
        assertEquals(0, listedConversation(f.bs(), conv).get("peerReadSeq").asLong(), "a has read nothing of b's");
        assertEquals(0, eventCount(f.bs(), "conv.peer_read"),
                "the reader gets conv.read on its other devices, not conv.peer_read");

        // a lower read changes nothing and sends nothing
        cmd(f.bs(), "conv.read", obj().put("conversationId", conv).put("seq", bSeq.get(a1.get("msgId").asText())));
        sleep(300);
        assertEquals(1, eventCount(f.as(), "conv.peer_read"));
        assertEquals(a2.get("seq").asLong(), listedConversation(f.as(), conv).get("peerReadSeq").asLong());

        cmd(f.bs(), "conv.read", obj().put("conversationId", conv).put("seq", bSeq.get(a3.get("msgId").asText())));
        assertEquals(a3.get("seq").asLong(), awaitEvents(f.as(), "conv.peer_read", 2).get(1).get("data").get("seq").asLong());
        assertEquals(a3.get("seq").asLong(), listedConversation(f.as(), conv).get("peerReadSeq").asLong());

        // group conversations have no peerReadSeq
        String groupId = cmd(f.as(), "group.create", obj().put("name", "receipts")).get("group").get("groupId").asText();
        send(f.as(), "group", groupId, "g1", "hello group");
        assertFalse(listedConversation(f.as(), "g:" + groupId).has("peerReadSeq"));
        assertTrue(listedConversation(cs, pairConversation(f.a(), c)).has("peerReadSeq"));
    }

    @Test
    void peerReadSeqStaysExactWhenBothReadAndWriteAtOnceFromSeveralDevices() throws Exception {
        Friends f = friendsAcrossGateways("busy");
        String conv = pairConversation(f.a(), f.b());
        List<ChatSession> devices = List.of(f.as(), connectKept(login(f.a().username(), "mobile"), 1),
                f.bs(), connectKept(login(f.b().username(), "mobile"), 0));
        List<User> owners = List.of(f.a(), f.a(), f.b(), f.b());
        ExecutorService pool = Executors.newFixedThreadPool(devices.size());
        List<Future<?>> work = new ArrayList<>();
        for (int d = 0; d < devices.size(); d++) {
            int device = d;
            work.add(pool.submit(() -> {
                ChatSession s = devices.get(device);
                String to = owners.get(device) == f.a() ? f.b().id() : f.a().id();
                for (int n = 0; n < 12; n++) {
                    send(s, "user", to, "d" + device + "-" + n, "message " + n);
                    long maxSeq = cmd(s, "msg.sync", obj().put("afterSeq", 0).put("limit", 1)).get("maxSeq").asLong();
                    cmd(s, "conv.read", obj().put("conversationId", conv).put("seq", maxSeq));
                }
                return null;
            }));
        }
        for (Future<?> w : work) {
            w.get();
        }
        pool.shutdown();

        // afterwards, from the timelines: each side's peerReadSeq is its own seq of the newest message the other read
        for (int side = 0; side < 2; side++) {
            ChatSession me = side == 0 ? f.as() : f.bs();
            ChatSession peer = side == 0 ? f.bs() : f.as();
            long peerReadSeq = listedConversation(peer, conv).get("readSeq").asLong();
            String newestRead = null;
            for (JsonNode m : syncAll(peer, 0)) {
                if (m.get("seq").asLong() <= peerReadSeq && m.get("conversationId").asText().equals(conv)) {
                    newestRead = m.get("msgId").asText();
                }
            }
            long expected = 0;
            for (JsonNode m : syncAll(me, 0)) {
                if (m.get("msgId").asText().equals(newestRead)) {
                    expected = m.get("seq").asLong();
                }
            }
            assertTrue(expected > 0);
            assertEquals(expected, listedConversation(me, conv).get("peerReadSeq").asLong(), "side " + side);
        }
    }
}
