package dev.tinyim.chat.timeline;

import dev.tinyim.proto.chat.v1.Message;
import dev.tinyim.proto.chat.v1.PeerType;
import dev.tinyim.shared.error.ErrorCode;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.mysqlclient.MySQLClient;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.mysqlclient.MySQLException;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Per-user timelines with write fan-out. One transaction takes the next seq of every recipient (the row lock
 * on each user's counter, taken in user-id order, serialises that user's writes), stores the message, its
 * timeline rows and each recipient's conversation state, and commits them together. A seq therefore becomes
 * visible only with all lower seqs already committed, and a rolled-back send leaves no gap.
 */
@ApplicationScoped
public class Timeline {
    private static final Logger LOG = Logger.getLogger(Timeline.class);
    private static final int DEADLOCK = 1213;
    private static final int LOCK_WAIT_TIMEOUT = 1205;

    private final Pool primary;

    public Timeline(Pool primary) {
        this.primary = primary;
    }

    /** What a send produced: the message id, time, and each recipient's seq. {@code duplicate} for a resend. */
    public record Appended(long msgId, long sentAt, Map<Long, Long> seqs, boolean duplicate) {
    }

    /** A message already stored for this (sender, clientMsgId), if any: the sender's seq in {@code seqs}. */
    public Uni<Appended> findExisting(long senderId, String clientMsgId) {
        return primary.preparedQuery("SELECT msg_id, sender_seq, sent_at FROM messages WHERE sender_id = ? AND client_msg_id = ?")
                .execute(Tuple.of(senderId, clientMsgId))
                .map(rows -> existing(rows.iterator().hasNext() ? rows.iterator().next() : null, senderId));
    }

    private static Appended existing(Row row, long senderId) {
        if (row == null) {
            return null;
        }
        return new Appended(row.getLong("msg_id"), row.getLong("sent_at"), Map.of(senderId, row.getLong("sender_seq")), true);
    }

    public Uni<Appended> append(NewMessage message, List<Long> recipients) {
        List<Long> users = new ArrayList<>(new TreeSet<>(recipients));
        Uni<Appended> attempt = Uni.createFrom().deferred(() -> primary.withTransaction(tx -> appendIn(tx, message, users)));
        return retriedOnLockConflicts(attempt
                // a recipient's first message: create the missing counters outside the send transaction, then again
                .onFailure(MissingCounters.class).recoverWithUni(() -> ensureCounters(users).chain(() -> attempt))
                // the duplicate's transaction has rolled back by now: its seq increments never happened
                .onFailure(DuplicateSend.class).recoverWithItem(e -> ((DuplicateSend) e).existing));
    }

    /**
     * A 1:1 message: the same transaction as {@link #append} for the pair, run in one round trip by the
     * {@code append_direct} procedure (db/migrations/V002) instead of about ten statements.
     */
    public Uni<Appended> appendDirect(NewMessage message) {
        long sender = message.senderId();
        long to = message.to().getId();
        return retriedOnLockConflicts(Uni.createFrom().deferred(() -> primary.preparedQuery("CALL append_direct(?, ?, ?, ?, ?, ?)")
                        .execute(Tuple.tuple(List.of(sender, to, message.clientMsgId(), message.conversationId(),
                                message.body(), System.currentTimeMillis()))))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    boolean duplicate = row.getInteger("duplicate") == 1;
                    Map<Long, Long> seqs = duplicate ? Map.of(sender, row.getLong("sender_seq"))
                            : Map.of(sender, row.getLong("sender_seq"), to, row.getLong("to_seq"));
                    return new Appended(row.getLong("msg_id"), row.getLong("sent_at"), seqs, duplicate);
                }));
    }

    /** A send that lost a deadlock or a lock wait rolled back entirely: it is run again, up to 8 times. */
    private static Uni<Appended> retriedOnLockConflicts(Uni<Appended> send) {
        return send.onFailure(Timeline::retryable).retry().withBackOff(Duration.ofMillis(5), Duration.ofMillis(100)).atMost(8);
    }

    private static boolean retryable(Throwable failure) {
        return failure instanceof MySQLException e && (e.getErrorCode() == DEADLOCK || e.getErrorCode() == LOCK_WAIT_TIMEOUT);
    }

    /**
     * Counter rows are created outside the send transaction so that it only ever takes exclusive locks; only
     * when the send found some missing: an INSERT IGNORE of every recipient before each send cost a 500-member
     * group's messages about a fifth of the primary's CPU (docs/benchmarks.md).
     */
    private Uni<Void> ensureCounters(List<Long> users) {
        return primary.preparedQuery("INSERT IGNORE INTO user_seq (user_id, max_seq) VALUES " + placeholders(users.size(), "(?, 0)"))
                .execute(Tuple.tuple(new ArrayList<>(users)))
                .replaceWithVoid();
    }

    private Uni<Appended> appendIn(SqlConnection tx, NewMessage message, List<Long> users) {
        String in = placeholders(users.size(), "?");
        Tuple ids = Tuple.tuple(new ArrayList<>(users));
        long sentAt = System.currentTimeMillis();
        return tx.preparedQuery("UPDATE user_seq SET max_seq = max_seq + 1 WHERE user_id IN (" + in + ")").execute(ids)
                .invoke(updated -> {
                    if (updated.rowCount() < users.size()) {
                        throw new MissingCounters();
                    }
                })
                // under the sender's lock, so a concurrent resend of the same clientMsgId is seen here
                .chain(() -> tx.preparedQuery("SELECT msg_id, sender_seq, sent_at FROM messages WHERE sender_id = ? AND client_msg_id = ?")
                        .execute(Tuple.of(message.senderId(), message.clientMsgId())))
                .chain(dup -> {
                    if (dup.iterator().hasNext()) {
                        return Uni.createFrom().failure(new DuplicateSend(existing(dup.iterator().next(), message.senderId())));
                    }
                    return tx.preparedQuery("SELECT user_id, max_seq FROM user_seq WHERE user_id IN (" + in + ")").execute(ids);
                })
                .chain(rows -> {
                    Map<Long, Long> seqs = new HashMap<>();
                    rows.forEach(row -> seqs.put(row.getLong("user_id"), row.getLong("max_seq")));
                    long senderSeq = seqs.getOrDefault(message.senderId(), 0L);
                    return tx.preparedQuery("""
                                    INSERT INTO messages (sender_id, client_msg_id, conversation_id, to_type, to_id, content_type,
                                                          body, subject_id, sender_seq, sent_at)
                                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                            .execute(Tuple.tuple(List.of(message.senderId(), message.clientMsgId(), message.conversationId(),
                                    message.to().getType() == PeerType.PEER_TYPE_GROUP ? MessageRows.TO_GROUP : MessageRows.TO_USER,
                                    message.to().getId(), message.system() ? MessageRows.SYSTEM : MessageRows.TEXT,
                                    message.body(), message.subjectId(), senderSeq, sentAt)))
                            .map(r -> r.property(MySQLClient.LAST_INSERTED_ID))
                            .call(msgId -> insertTimelineRows(tx, message, users, seqs, msgId))
                            .call(msgId -> upsertConversations(tx, message, users, seqs, msgId))
                            .map(msgId -> new Appended(msgId, sentAt, seqs, false));
                });
    }

    private static Uni<Void> insertTimelineRows(SqlConnection tx, NewMessage message, List<Long> users,
                                                Map<Long, Long> seqs, long msgId) {
        List<Object> values = new ArrayList<>(users.size() * 5);
        for (long user : users) {
            values.add(user);
            values.add(seqs.get(user));
            values.add(msgId);
            values.add(message.conversationId());
            values.add(message.senderId());
        }
        return tx.preparedQuery("INSERT INTO timeline (user_id, seq, msg_id, conversation_id, sender_id) VALUES "
                        + placeholders(users.size(), "(?, ?, ?, ?, ?)"))
                .execute(Tuple.tuple(values)).replaceWithVoid();
    }

    /** Last message and unread count per recipient; the sender's own message never counts as unread. */
    private static Uni<Void> upsertConversations(SqlConnection tx, NewMessage message, List<Long> users,
                                                 Map<Long, Long> seqs, long msgId) {
        List<Object> values = new ArrayList<>(users.size() * 7);
        ConversationIds.Parsed parsed = ConversationIds.parse(message.conversationId());
        for (long user : users) {
            var peer = parsed.peerOf(user);
            values.add(user);
            values.add(message.conversationId());
            values.add(peer.getType() == PeerType.PEER_TYPE_GROUP ? MessageRows.TO_GROUP : MessageRows.TO_USER);
            values.add(peer.getId());
            values.add(seqs.get(user));
            values.add(msgId);
            values.add(user == message.senderId() ? 0 : 1);
        }
        return tx.preparedQuery("INSERT INTO conversations (user_id, conversation_id, peer_type, peer_id, last_seq, last_msg_id, unread) VALUES "
                        + placeholders(users.size(), "(?, ?, ?, ?, ?, ?, ?)")
                        + " ON DUPLICATE KEY UPDATE last_seq = VALUES(last_seq), last_msg_id = VALUES(last_msg_id), unread = unread + VALUES(unread)")
                .execute(Tuple.tuple(values)).replaceWithVoid();
    }

    public record Page(List<Message> messages, long maxSeq, boolean hasMore) {
    }

    /** Messages after a seq, oldest first, with the timeline's max seq read in the same snapshot. */
    public Uni<Page> sync(long userId, long afterSeq, int limit) {
        return primary.withTransaction(tx -> tx.preparedQuery("SELECT t.seq, " + MessageRows.COLUMNS
                                + " FROM timeline t JOIN messages m ON m.msg_id = t.msg_id WHERE t.user_id = ? AND t.seq > ? ORDER BY t.seq LIMIT ?")
                        .execute(Tuple.of(userId, afterSeq, limit + 1))
                        .chain(rows -> maxSeq(tx, userId).map(max -> page(rows, limit, max))));
    }

    /** One conversation of the user's timeline, newest first, below {@code beforeSeq}. */
    public Uni<Page> history(long userId, String conversationId, long beforeSeq, int limit) {
        return primary.preparedQuery("SELECT t.seq, " + MessageRows.COLUMNS
                        + " FROM timeline t JOIN messages m ON m.msg_id = t.msg_id"
                        + " WHERE t.user_id = ? AND t.conversation_id = ? AND t.seq < ? ORDER BY t.seq DESC LIMIT ?")
                .execute(Tuple.of(userId, conversationId, beforeSeq, limit + 1))
                .map(rows -> page(rows, limit, 0));
    }

    /** A page from a query that asked for limit + 1 rows: the extra row only says there is more. */
    private static Page page(RowSet<Row> rows, int limit, long maxSeq) {
        List<Message> messages = new ArrayList<>();
        rows.forEach(row -> messages.add(MessageRows.message(row, row.getLong("seq"))));
        boolean more = messages.size() > limit;
        return new Page(more ? messages.subList(0, limit) : messages, maxSeq, more);
    }

    public Uni<Long> maxSeq(long userId) {
        return maxSeq(primary, userId);
    }

    private static Uni<Long> maxSeq(SqlClient client, long userId) {
        return client.preparedQuery("SELECT max_seq FROM user_seq WHERE user_id = ?").execute(Tuple.of(userId))
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next().getLong("max_seq") : 0L);
    }

    /** A position to record (ack, read) must lie within the user's timeline: 0..maxSeq, else bad_request. */
    public static Uni<Void> requireWithinTimeline(SqlClient client, long userId, long seq) {
        if (seq < 0) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("seq must be >= 0"));
        }
        return maxSeq(client, userId).chain(max -> seq > max
                ? Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("seq " + seq + " is beyond maxSeq " + max))
                : Uni.createFrom().voidItem());
    }

    public Uni<Long> ackedSeq(long userId, String deviceType) {
        return primary.preparedQuery("SELECT acked_seq FROM device_acks WHERE user_id = ? AND device_type = ?")
                .execute(Tuple.of(userId, deviceType))
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next().getLong("acked_seq") : 0L);
    }

    /** Records a device type's position; it never moves back. Beyond the timeline's end is a bad_request. */
    public Uni<Long> ack(long userId, String deviceType, long seq) {
        return requireWithinTimeline(primary, userId, seq).chain(() -> primary.preparedQuery("""
                            INSERT INTO device_acks (user_id, device_type, acked_seq) VALUES (?, ?, ?)
                            ON DUPLICATE KEY UPDATE acked_seq = GREATEST(acked_seq, VALUES(acked_seq))""")
                    .execute(Tuple.of(userId, deviceType, seq)))
                .chain(() -> ackedSeq(userId, deviceType));
    }

    static String placeholders(int count, String one) {
        StringBuilder sb = new StringBuilder(count * (one.length() + 2));
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(one);
        }
        return sb.toString();
    }

    /** Internal signal: a recipient has no counter row yet; the transaction rolls back and they are created. */
    private static final class MissingCounters extends RuntimeException {
        MissingCounters() {
            super(null, null, false, false);
        }
    }

    /** Internal signal: the transaction found the message already stored and rolls back. */
    private static final class DuplicateSend extends RuntimeException {
        final Appended existing;

        DuplicateSend(Appended existing) {
            super(null, null, false, false);
            this.existing = existing;
        }
    }
}
