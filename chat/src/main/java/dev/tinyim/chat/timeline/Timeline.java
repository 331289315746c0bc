package dev.tinyim.chat.timeline;

import dev.tinyim.chat.ChatConfig;
import dev.tinyim.shared.error.ErrorCode;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import dev.tinyim.chat.db.UserShards;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Per-user timelines with write fan-out. One transaction takes the next seq of every recipient (the row lock
 * on each user's counter, taken in user-id order, serialises that user's writes), stores the message, its
 * timeline rows and each recipient's conversation state, and commits them together; concurrent sends share
 * one such transaction (group commit). A seq therefore becomes visible only with all lower seqs already
 * committed, and a rolled-back send leaves no gap.
 * <p>
 * Every timeline entry is written by one writer ({@link BatchWriter}): sends and system messages through the
 * group commit, the entries that amend a message ({@link Amendments}) inside the transaction that locks it. It
 * alone moves the counters. What is stored is published by the caller (MessageService), not from here.
 */
@ApplicationScoped
public class Timeline {
    private final UserShards shards;
    private final GroupCommit commits;
    private final BatchWriter writer;

    public Timeline(UserShards shards, ChatConfig config, MeterRegistry metrics, io.vertx.core.Vertx vertx) {
        this.shards = shards;
        ChatConfig.Commit c = config.commit();
        this.writer = new BatchWriter(shards, c.rememberedCounters());
        this.commits = new GroupCommit(writer::write, new GroupCommit.Limits(c.concurrency(), c.maxMessages(),
                c.maxEntries(), c.maxQueued(), c.maxWait().toNanos(), c.expireAfter().toNanos(), c.linger().toNanos(), c.lingerMessages(),
                c.timeout()),
                GroupCommit.Meters.of(metrics), (ms, task) -> vertx.setTimer(ms, id -> task.run()),
                System::nanoTime);
        metrics.gauge("tinyim.chat.commit.waiting", this, Timeline::waiting);
    }

    /**
     * What a send produced: the message id, time, and each recipient's seq. {@code duplicate} for a resend;
     * {@code queuedNanos}: how long it waited for its transaction ({@link GroupCommit}; 0 when found stored).
     */
    public record Appended(long msgId, long sentAt, Map<Long, Long> seqs, boolean duplicate, long queuedNanos) {
        public Appended(long msgId, long sentAt, Map<Long, Long> seqs, boolean duplicate) {
            this(msgId, sentAt, seqs, duplicate, 0);
        }

        Appended queued(long nanos) {
            return new Appended(msgId, sentAt, seqs, duplicate, nanos);
        }
    }

    /** A message already stored for this (sender, clientMsgId), if any: the sender's seq in {@code seqs}. */
    public Uni<Appended> findExisting(long senderId, String clientMsgId) {
        return shards.of(senderId).preparedQuery("SELECT sender_id, msg_id, sender_seq, sent_at FROM messages WHERE sender_id = ? AND client_msg_id = ?")
                .execute(Tuple.of(senderId, clientMsgId))
                .map(rows -> rows.iterator().hasNext() ? stored(rows.iterator().next()) : null);
    }

    /** A stored message's first result, from a row with sender_id, msg_id, sender_seq and sent_at. */
    static Appended stored(Row row) {
        return new Appended(row.getLong("msg_id"), row.getLong("sent_at"),
                Map.of(row.getLong("sender_id"), row.getLong("sender_seq")), true);
    }

    /**
     * Appends a message to the timelines of {@code recipients} (the sender among them where it is a user),
     * written together with the other sends waiting at that moment ({@link GroupCommit}, {@link BatchWriter}).
     */
    public Uni<Appended> append(NewMessage message, Collection<Long> recipients) {
        TreeSet<Long> sorted = new TreeSet<>(recipients);
        long[] users = new long[sorted.size()];
        int i = 0;
        for (long u : sorted) {
            users[i++] = u;
        }
        return commits.submit(new BatchWriter.Item(message, users));
    }

    /**
     * Appends one entry that amends a message (a recall, an edit) to the timelines of {@code holders}, inside
     * {@code tx}, the transaction that locked the message: each holder's next seq (counters locked in user-id
     * order, as a send transaction locks them), the entry's message row and its timeline rows, which never count
     * as unread. Answers the entry's id and each holder's seq.
     */
    Uni<BatchWriter.Entry> appendEntry(io.vertx.mutiny.sqlclient.SqlConnection tx, List<Long> holders, BatchWriter.EntryRow entry) {
        return writer.appendEntry(tx, holders, entry);
    }

    /** Sends waiting for their transaction now. */
    public int waiting() {
        return commits.waiting();
    }

    public record Page(List<StoredMessage> messages, long maxSeq, boolean hasMore) {
    }

    /** Messages after a seq, oldest first, with the timeline's max seq read in the same snapshot. */
    public Uni<Page> sync(long userId, long afterSeq, int limit) {
        return shards.of(userId).withTransaction(tx -> tx.preparedQuery("SELECT t.seq, " + MessageRows.COLUMNS
                                + " FROM timeline t JOIN messages m ON m.msg_id = t.msg_id WHERE t.user_id = ? AND t.seq > ? ORDER BY t.seq LIMIT ?")
                        .execute(Tuple.of(userId, afterSeq, limit + 1))
                        .chain(rows -> maxSeq(tx, userId).map(max -> page(rows, limit, max))));
    }

    /** One conversation of the user's timeline, newest first, below {@code beforeSeq}. */
    public Uni<Page> history(long userId, String conversationId, long beforeSeq, int limit) {
        return shards.of(userId).preparedQuery("SELECT t.seq, " + MessageRows.COLUMNS
                        + " FROM timeline t JOIN messages m ON m.msg_id = t.msg_id"
                        + " WHERE t.user_id = ? AND t.conversation_id = ? AND t.seq < ? ORDER BY t.seq DESC LIMIT ?")
                .execute(Tuple.of(userId, conversationId, beforeSeq, limit + 1))
                .map(rows -> page(rows, limit, 0));
    }

    /** A page from a query that asked for limit + 1 rows: the extra row only says there is more. */
    private static Page page(RowSet<Row> rows, int limit, long maxSeq) {
        List<StoredMessage> messages = new ArrayList<>();
        rows.forEach(row -> messages.add(MessageRows.message(row, row.getLong("seq"))));
        boolean more = messages.size() > limit;
        return new Page(more ? messages.subList(0, limit) : messages, maxSeq, more);
    }

    public Uni<Long> maxSeq(long userId) {
        return maxSeq(shards.of(userId), userId);
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
        return shards.of(userId).preparedQuery("SELECT acked_seq FROM device_acks WHERE user_id = ? AND device_type = ?")
                .execute(Tuple.of(userId, deviceType))
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next().getLong("acked_seq") : 0L);
    }

    /** Records a device type's position; it never moves back. Beyond the timeline's end is a bad_request. */
    public Uni<Long> ack(long userId, String deviceType, long seq) {
        Pool pool = shards.of(userId);
        return requireWithinTimeline(pool, userId, seq).chain(() -> pool.preparedQuery("""
                            INSERT INTO device_acks (user_id, device_type, acked_seq) VALUES (?, ?, ?)
                            ON DUPLICATE KEY UPDATE acked_seq = GREATEST(acked_seq, VALUES(acked_seq))""")
                    .execute(Tuple.of(userId, deviceType, seq)))
                .chain(() -> ackedSeq(userId, deviceType));
    }

}
