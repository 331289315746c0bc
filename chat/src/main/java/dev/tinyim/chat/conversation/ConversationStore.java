package dev.tinyim.chat.conversation;

import dev.tinyim.chat.timeline.MessageRows;
import dev.tinyim.chat.timeline.Timeline;
import dev.tinyim.proto.chat.v1.Conversation;
import dev.tinyim.proto.chat.v1.Peer;
import dev.tinyim.proto.chat.v1.PeerType;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-user conversation state (last message, read position, unread count), kept current by the send
 * transaction, so the list costs one index range instead of a timeline scan.
 */
@ApplicationScoped
public class ConversationStore {
    private final Pool primary;

    public ConversationStore(Pool primary) {
        this.primary = primary;
    }

    public Uni<List<Conversation>> list(long userId, int limit) {
        return primary.preparedQuery("SELECT c.conversation_id, c.peer_type, c.peer_id, c.last_seq, c.read_seq, c.unread, "
                        + MessageRows.COLUMNS + " FROM conversations c JOIN messages m ON m.msg_id = c.last_msg_id"
                        + " WHERE c.user_id = ? ORDER BY c.last_seq DESC LIMIT ?")
                .execute(Tuple.of(userId, limit))
                .map(rows -> {
                    List<Conversation> list = new ArrayList<>();
                    rows.forEach(row -> list.add(Conversation.newBuilder()
                            .setConversationId(row.getString("conversation_id"))
                            .setPeer(Peer.newBuilder().setType(row.getInteger("peer_type") == MessageRows.TO_GROUP
                                    ? PeerType.PEER_TYPE_GROUP : PeerType.PEER_TYPE_USER).setId(row.getLong("peer_id")))
                            .setLastMessage(MessageRows.message(row, row.getLong("last_seq")))
                            .setReadSeq(row.getLong("read_seq"))
                            .setUnread(row.getInteger("unread"))
                            .build()));
                    return list;
                });
    }

    public Uni<Boolean> exists(long userId, String conversationId) {
        return primary.preparedQuery("SELECT 1 FROM conversations WHERE user_id = ? AND conversation_id = ?")
                .execute(Tuple.of(userId, conversationId))
                .map(rows -> rows.size() > 0);
    }

    public record ReadState(String conversationId, long readSeq, long unread, boolean moved) {
    }

    /**
     * Moves the read position forward (never back) and recounts unread under the conversation row's lock,
     * which every send to this user and conversation also takes: counts stay exact under concurrency.
     */
    public Uni<ReadState> read(long userId, String conversationId, long seq) {
        return primary.withTransaction(tx -> Timeline.requireWithinTimeline(tx, userId, seq)
                .chain(() -> tx.preparedQuery("SELECT read_seq FROM conversations WHERE user_id = ? AND conversation_id = ? FOR UPDATE")
                        .execute(Tuple.of(userId, conversationId)))
                .chain(rows -> {
                    if (!rows.iterator().hasNext()) {
                        // a conversation of the caller's with no message yet: nothing to read
                        return Uni.createFrom().item(new ReadState(conversationId, 0, 0, false));
                    }
                    long old = rows.iterator().next().getLong("read_seq");
                    long readSeq = Math.max(old, seq);
                    return tx.preparedQuery("SELECT COUNT(*) AS n FROM timeline WHERE user_id = ? AND conversation_id = ? AND seq > ? AND sender_id <> ?")
                            .execute(Tuple.of(userId, conversationId, readSeq, userId))
                            .chain(count -> {
                                long unread = count.iterator().next().getLong("n");
                                return tx.preparedQuery("UPDATE conversations SET read_seq = ?, unread = ? WHERE user_id = ? AND conversation_id = ?")
                                        .execute(Tuple.of(readSeq, unread, userId, conversationId))
                                        .replaceWith(new ReadState(conversationId, readSeq, unread, readSeq > old));
                            });
                }));
    }
}
