package dev.tinyim.chat.timeline;

import dev.tinyim.proto.chat.v1.PeerType;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.mysqlclient.MySQLException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The send transaction, for a batch of messages at once (group commit; docs/timeline.md). One transaction
 * locks the seq counter of every user the batch writes to (in user-id order), finds resends under those
 * locks, gives each new message the next seq of each of its recipients in batch order, and writes the
 * messages, their timeline rows, the conversation rows and the counters, then commits: two procedure calls on one
 * connection, whose row sets arrive as JSON parameters (JSON_TABLE), so a batch of any size costs the same two
 * round trips.
 */
final class BatchWriter {
    private static final int DEADLOCK = 1213;
    private static final int LOCK_WAIT_TIMEOUT = 1205;
    private static final int DUPLICATE_KEY = 1062;

    private static final String LOCK = "CALL timeline_lock(?, ?)";
    private static final String WRITE = "CALL timeline_write(?, ?, ?, ?)";
    private static final String CREATE_COUNTERS = "INSERT IGNORE INTO user_seq (user_id, max_seq)"
            + " SELECT j.u, 0 FROM JSON_TABLE(?, '$[*]' COLUMNS (u BIGINT PATH '$')) j";

    private final Pool primary;

    BatchWriter(Pool primary) {
        this.primary = primary;
    }

    /** One message of a batch: who it goes to (sorted, distinct, the sender included where it is a user). */
    record Item(NewMessage message, long[] users) {
        Key key() {
            return new Key(message.senderId(), message.clientMsgId());
        }
    }

    record Key(long sender, String clientMsgId) {
    }

    /**
     * Writes the batch; the results are in the items' order. A resend (stored before, or earlier in the same
     * batch) stores nothing and answers the first result with {@code duplicate} set.
     */
    Uni<List<Timeline.Appended>> write(List<Item> items) {
        List<Long> users = new ArrayList<>(unionOf(items));
        Uni<List<Timeline.Appended>> attempt = Uni.createFrom().deferred(() -> primary.withConnection(conn -> writeIn(conn, items, users)
                // the transaction timeline_lock opened must not outlive a failure (timeline_write rolls back its own)
                .onFailure().call(() -> conn.query("ROLLBACK").execute().onFailure().recoverWithNull())));
        return attempt
                // someone's first message: create the missing counters outside the send transaction, then again
                .onFailure(MissingCounters.class).recoverWithUni(() -> createCounters(users).chain(() -> attempt))
                .onFailure(BatchWriter::retryable).retry().withBackOff(Duration.ofMillis(5), Duration.ofMillis(100)).atMost(8);
    }

    /** A lost deadlock, a lock wait, or two concurrent first sends of one key: the whole batch rolled back. */
    private static boolean retryable(Throwable failure) {
        return failure instanceof MySQLException e && (e.getErrorCode() == DEADLOCK
                || e.getErrorCode() == LOCK_WAIT_TIMEOUT || e.getErrorCode() == DUPLICATE_KEY);
    }

    private static TreeSet<Long> unionOf(List<Item> items) {
        TreeSet<Long> users = new TreeSet<>();
        for (Item item : items) {
            for (long u : item.users()) {
                users.add(u);
            }
        }
        return users;
    }

    private Uni<Void> createCounters(List<Long> users) {
        return primary.preparedQuery(CREATE_COUNTERS).execute(Tuple.of(new JsonArray(new ArrayList<>(users)).encode())).replaceWithVoid();
    }

    /**
     * {@code timeline_lock} opens the transaction, locks the counters and reports resends; the seqs are planned
     * here; {@code timeline_write} stores the new messages and commits (db/migrations/V003).
     */
    private Uni<List<Timeline.Appended>> writeIn(SqlConnection conn, List<Item> items, List<Long> users) {
        long sentAt = System.currentTimeMillis();
        JsonArray keys = new JsonArray();
        items.forEach(item -> keys.add(new JsonArray().add(item.message().senderId()).add(item.message().clientMsgId())));
        return conn.preparedQuery(LOCK).execute(Tuple.of(new JsonArray(new ArrayList<>(users)).encode(), keys.encode()))
                .chain(rows -> {
                    Map<Long, Long> counters = new HashMap<>(users.size() * 2);
                    rows.forEach(row -> counters.put(row.getLong("user_id"), row.getLong("max_seq")));
                    if (counters.size() < users.size()) {
                        return Uni.createFrom().failure(new MissingCounters());
                    }
                    Plan plan = new Plan(items, counters, stored(rows.next()), sentAt);
                    if (plan.fresh.isEmpty()) {
                        return conn.query("ROLLBACK").execute().map(ignored -> plan.results(Map.of()));
                    }
                    return conn.preparedQuery(WRITE).execute(Tuple.of(plan.messageRows(), plan.timelineRows(),
                                    plan.conversationRows(), plan.counterRows()))
                            .map(written -> {
                                Map<Key, Long> ids = new HashMap<>();
                                written.forEach(row -> ids.put(new Key(row.getLong("sender_id"), row.getString("client_msg_id")),
                                        row.getLong("msg_id")));
                                return plan.results(ids);
                            });
                });
    }

    /** Messages already stored under the batch's keys: each with its id, the sender's seq and its time. */
    private static Map<Key, Timeline.Appended> stored(RowSet<Row> rows) {
        Map<Key, Timeline.Appended> found = new HashMap<>();
        for (Row row : rows) {
            long sender = row.getLong("sender_id");
            found.put(new Key(sender, row.getString("client_msg_id")), new Timeline.Appended(row.getLong("msg_id"),
                    row.getLong("sent_at"), Map.of(sender, row.getLong("sender_seq")), true));
        }
        return found;
    }

    /** Which items are new, and the seq each new one takes in each of its recipients' timelines. */
    private static final class Plan {
        final List<Item> items;
        final Map<Key, Timeline.Appended> stored;
        final Map<Long, Long> before;
        final Map<Long, Long> counters;
        final long sentAt;
        /** New items in batch order, each with its seqs (user -> seq). */
        final LinkedHashMap<Key, Map<Long, Long>> fresh = new LinkedHashMap<>();
        final Map<Key, Item> itemOf = new HashMap<>();

        Plan(List<Item> items, Map<Long, Long> counters, Map<Key, Timeline.Appended> stored, long sentAt) {
            this.items = items;
            this.stored = stored;
            this.before = counters;
            this.counters = new HashMap<>(counters);
            this.sentAt = sentAt;
            for (Item item : items) {
                Key key = item.key();
                if (stored.containsKey(key) || fresh.containsKey(key)) {
                    continue;
                }
                Map<Long, Long> seqs = new HashMap<>(item.users().length * 2);
                for (long u : item.users()) {
                    long seq = this.counters.merge(u, 1L, Long::sum);
                    seqs.put(u, seq);
                }
                fresh.put(key, seqs);
                itemOf.put(key, item);
            }
        }

        String messageRows() {
            JsonArray rows = new JsonArray();
            fresh.forEach((key, seqs) -> {
                NewMessage m = itemOf.get(key).message();
                rows.add(new JsonArray().add(m.senderId()).add(m.clientMsgId()).add(m.conversationId())
                        .add(m.to().getType() == PeerType.PEER_TYPE_GROUP ? MessageRows.TO_GROUP : MessageRows.TO_USER)
                        .add(m.to().getId()).add(m.system() ? MessageRows.SYSTEM : MessageRows.TEXT).add(m.body())
                        .add(m.subjectId()).add(seqs.getOrDefault(m.senderId(), 0L)).add(sentAt));
            });
            return rows.encode();
        }

        String timelineRows() {
            JsonArray rows = new JsonArray();
            fresh.forEach((key, seqs) -> {
                for (long u : itemOf.get(key).users()) {
                    rows.add(new JsonArray().add(u).add(seqs.get(u)).add(key.sender()).add(key.clientMsgId()));
                }
            });
            return rows.encode();
        }

        /** One row per (user, conversation): the batch's last message there, and how many of them count as unread. */
        String conversationRows() {
            record Conv(long user, String conversationId) {
            }
            Map<Conv, JsonArray> rows = new LinkedHashMap<>();
            fresh.forEach((key, seqs) -> {
                NewMessage m = itemOf.get(key).message();
                ConversationIds.Parsed parsed = ConversationIds.parse(m.conversationId());
                for (long u : itemOf.get(key).users()) {
                    int unread = u == m.senderId() ? 0 : 1;
                    JsonArray row = rows.get(new Conv(u, m.conversationId()));
                    if (row == null) {
                        var peer = parsed.peerOf(u);
                        rows.put(new Conv(u, m.conversationId()), new JsonArray().add(u).add(m.conversationId())
                                .add(peer.getType() == PeerType.PEER_TYPE_GROUP ? MessageRows.TO_GROUP : MessageRows.TO_USER)
                                .add(peer.getId()).add(seqs.get(u)).add(key.sender()).add(key.clientMsgId()).add(unread));
                    } else {
                        // later in the batch means a higher seq for this user
                        row.set(4, seqs.get(u)).set(5, key.sender()).set(6, key.clientMsgId()).set(7, row.getInteger(7) + unread);
                    }
                }
            });
            return new JsonArray(new ArrayList<>(rows.values())).encode();
        }

        String counterRows() {
            JsonArray rows = new JsonArray();
            counters.forEach((u, max) -> {
                if (!max.equals(before.get(u))) {
                    rows.add(new JsonArray().add(u).add(max));
                }
            });
            return rows.encode();
        }

        /** Each item's result, in batch order: new ones with all their seqs, resends with the first result. */
        List<Timeline.Appended> results(Map<Key, Long> ids) {
            List<Timeline.Appended> results = new ArrayList<>(items.size());
            Map<Key, Boolean> answered = new HashMap<>();
            for (Item item : items) {
                Key key = item.key();
                Timeline.Appended earlier = stored.get(key);
                if (earlier != null) {
                    results.add(earlier);
                } else {
                    Map<Long, Long> seqs = fresh.get(key);
                    boolean again = answered.put(key, true) != null;
                    results.add(again
                            ? new Timeline.Appended(ids.get(key), sentAt, Map.of(key.sender(), seqs.getOrDefault(key.sender(), 0L)), true)
                            : new Timeline.Appended(ids.get(key), sentAt, seqs, false));
                }
            }
            return results;
        }
    }

    /** Internal signal: a recipient has no counter row yet; the transaction rolls back and they are created. */
    private static final class MissingCounters extends RuntimeException {
        MissingCounters() {
            super(null, null, false, false);
        }
    }
}
