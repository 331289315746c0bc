package dev.tinyim.chat.conversation;

import dev.tinyim.chat.timeline.ConversationView;
import dev.tinyim.chat.timeline.MessageRows;
import dev.tinyim.chat.timeline.Timeline;
import dev.tinyim.chat.timeline.Peer;
import dev.tinyim.chat.db.UserShards;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
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
    private final UserShards shards;

    public ConversationStore(UserShards shards) {
        this.shards = shards;
    }

    private static final String SELECT = "SELECT c.conversation_id, c.peer_type, c.peer_id, c.last_seq, c.read_seq, c.unread, "
            + "COALESCE(s.muted, 0) AS muted, COALESCE(s.pinned, 0) AS pinned, COALESCE(pr.peer_read_seq, 0) AS peer_read_seq, "
            + MessageRows.COLUMNS
            + " FROM conversations c JOIN messages m ON m.msg_id = c.last_msg_id"
            + " LEFT JOIN conversation_settings s ON s.user_id = c.user_id AND s.conversation_id = c.conversation_id"
            + " LEFT JOIN peer_reads pr ON pr.user_id = c.user_id AND pr.conversation_id = c.conversation_id";

    /** The user's conversations with a message: pinned ones first, each part most recent first (PROTOCOL.md 7.7). */
    public Uni<List<ConversationView>> list(long userId, int limit) {
        return shards.of(userId).preparedQuery(SELECT + " WHERE c.user_id = ? ORDER BY pinned DESC, c.last_seq DESC LIMIT ?")
                .execute(Tuple.of(userId, limit))
                .map(rows -> {
                    List<ConversationView> list = new ArrayList<>();
                    rows.forEach(row -> list.add(conversation(row)));
                    return list;
                });
    }

    private static ConversationView conversation(Row row) {
        return new ConversationView(row.getString("conversation_id"),
                MessageRows.peer(row.getInteger("peer_type"), row.getLong("peer_id")),
                MessageRows.message(row, row.getLong("last_seq")), row.getLong("read_seq"), row.getInteger("unread"),
                row.getInteger("muted") != 0, row.getInteger("pinned") != 0, row.getLong("peer_read_seq"));
    }

    /**
     * Sets what is given of muted / pinned for the user's conversation and returns it as conv.list shows it; a
     * conversation with no message yet keeps its settings for when the first one arrives (no lastMessage).
     */
    public Uni<ConversationView> update(long userId, String conversationId, Peer peer, Boolean muted, Boolean pinned) {
        long now = System.currentTimeMillis();
        return shards.of(userId).withTransaction(tx -> tx.preparedQuery("INSERT INTO conversation_settings"
                                + " (user_id, conversation_id, muted, pinned, updated_at) VALUES (?, ?, ?, ?, ?)"
                                + " ON DUPLICATE KEY UPDATE muted = IF(? IS NULL, muted, VALUES(muted)),"
                                + " pinned = IF(? IS NULL, pinned, VALUES(pinned)), updated_at = VALUES(updated_at)")
                        .execute(Tuple.of(userId, conversationId, Boolean.TRUE.equals(muted), Boolean.TRUE.equals(pinned), now)
                                .addValue(muted).addValue(pinned))
                        .chain(() -> tx.preparedQuery(SELECT + " WHERE c.user_id = ? AND c.conversation_id = ?")
                                .execute(Tuple.of(userId, conversationId)))
                        .chain(rows -> {
                            if (rows.iterator().hasNext()) {
                                return Uni.createFrom().item(conversation(rows.iterator().next()));
                            }
                            return tx.preparedQuery("SELECT muted, pinned FROM conversation_settings WHERE user_id = ? AND conversation_id = ?")
                                    .execute(Tuple.of(userId, conversationId))
                                    .map(settings -> {
                                        Row r = settings.iterator().next();
                                        return new ConversationView(conversationId, peer, null, 0, 0,
                                                r.getInteger("muted") != 0, r.getInteger("pinned") != 0, 0);
                                    });
                        }));
    }

    public Uni<Boolean> exists(long userId, String conversationId) {
        return shards.of(userId).preparedQuery("SELECT 1 FROM conversations WHERE user_id = ? AND conversation_id = ?")
                .execute(Tuple.of(userId, conversationId))
                .map(rows -> rows.size() > 0);
    }

    /** peerSeq: for a 1:1 read that moved, the seq in the peer's timeline now read (0 when there is none). */
    public record ReadState(String conversationId, long readSeq, long unread, boolean moved, long peerId, long peerSeq) {
    }

    /**
     * Moves the read position forward (never back) and recounts unread under the conversation row's lock,
     * which every send, recall and edit in this user's conversation also takes: counts stay exact under
     * concurrency. Recall and edit entries and recalled messages do not count (PROTOCOL.md 7.4).
     */
    public Uni<ReadState> read(long userId, String conversationId, long seq, long peerId) {
        // the lock first: the count below then reads a snapshot taken after it, which holds every send, recall and
        // edit of this conversation that committed before it (those to come wait for the lock)
        // the peer's read position moves in the same transaction (PROTOCOL.md 7.3): both users' rows on one shard
        Pool pool = peerId > 0 ? shards.spanning(List.of(userId, peerId)) : shards.of(userId);
        return pool.withTransaction(tx -> tx.preparedQuery("SELECT read_seq FROM conversations WHERE user_id = ? AND conversation_id = ? FOR UPDATE")
                        .execute(Tuple.of(userId, conversationId))
                .call(() -> Timeline.requireWithinTimeline(tx, userId, seq))
                .chain(rows -> {
                    if (!rows.iterator().hasNext()) {
                        // a conversation of the caller's with no message yet: nothing to read
                        return Uni.createFrom().item(new ReadState(conversationId, 0, 0, false, 0, 0));
                    }
                    long old = rows.iterator().next().getLong("read_seq");
                    long readSeq = Math.max(old, seq);
                    return tx.preparedQuery("SELECT COUNT(*) AS n FROM timeline WHERE user_id = ? AND conversation_id = ? AND seq > ? AND sender_id <> ? AND counted = 1")
                            .execute(Tuple.of(userId, conversationId, readSeq, userId))
                            .chain(count -> {
                                long unread = count.iterator().next().getLong("n");
                                return tx.preparedQuery("UPDATE conversations SET read_seq = ?, unread = ? WHERE user_id = ? AND conversation_id = ?")
                                        .execute(Tuple.of(readSeq, unread, userId, conversationId))
                                        .chain(() -> readSeq > old && peerId > 0
                                                ? peerRead(tx, userId, peerId, conversationId, readSeq)
                                                : Uni.createFrom().item(0L))
                                        .map(peerSeq -> new ReadState(conversationId, readSeq, unread, readSeq > old, peerId, peerSeq));
                            });
                }));
    }

    /**
     * PROTOCOL.md 7.3, in the reader's transaction: the newest message of the 1:1 conversation the reader has now
     * read, found in the peer's timeline; the peer's position is only ever raised (concurrent reads of both users
     * lock different rows: the reader's conversation row, then the peer's peer_reads row). Answers the peer's seq,
     * 0 when it did not move.
     */
    private static Uni<Long> peerRead(io.vertx.mutiny.sqlclient.SqlConnection tx, long readerId, long peerId,
                                      String conversationId, long readSeq) {
        return tx.preparedQuery("SELECT p.seq FROM timeline p WHERE p.user_id = ? AND p.conversation_id = ? AND p.msg_id ="
                        + " (SELECT r.msg_id FROM timeline r WHERE r.user_id = ? AND r.conversation_id = ? AND r.seq <= ?"
                        + " ORDER BY r.seq DESC LIMIT 1)")
                .execute(Tuple.of(peerId, conversationId, readerId, conversationId, readSeq))
                .chain(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return Uni.createFrom().item(0L);
                    }
                    long peerSeq = rows.iterator().next().getLong("seq");
                    return tx.preparedQuery("INSERT INTO peer_reads (user_id, conversation_id, peer_read_seq) VALUES (?, ?, ?)"
                                    + " ON DUPLICATE KEY UPDATE peer_read_seq = GREATEST(peer_read_seq, VALUES(peer_read_seq))")
                            .execute(Tuple.of(peerId, conversationId, peerSeq))
                            .chain(() -> tx.preparedQuery("SELECT peer_read_seq FROM peer_reads WHERE user_id = ? AND conversation_id = ?")
                                    .execute(Tuple.of(peerId, conversationId)))
                            .map(r -> {
                                long now = r.iterator().next().getLong("peer_read_seq");
                                return now == peerSeq ? peerSeq : 0L; // 0: a later read of the reader's got there first
                            });
                });
    }
}
