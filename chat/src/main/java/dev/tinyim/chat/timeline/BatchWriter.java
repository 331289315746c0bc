package dev.tinyim.chat.timeline;

import dev.tinyim.chat.db.UserShards;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.mutiny.mysqlclient.MySQLClient;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.mysqlclient.MySQLException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one writer of timeline entries: it alone moves the users' counters ({@code user_seq}).
 * <p>
 * The send transaction, for a batch of messages at once (group commit; docs/timeline.md), in one round trip:
 * the seqs are planned here from the counters this writer last stored ({@link #counters}), and the procedure
 * {@code timeline_append} (db/migrations/V003) locks every counter of the batch in user-id order, checks that
 * each is where the plan assumed, and writes the messages, their timeline rows, the conversation rows and the
 * counters, then commits. If a counter had moved (another chat instance, or one not known here yet) or a message
 * was a resend, it rolls back and says so; the truth is read and the batch planned and written again. Row sets
 * arrive as JSON parameters (JSON_TABLE), so the statement is the same whatever the batch size.
 */
final class BatchWriter {
    private static final int DEADLOCK = 1213;
    private static final int LOCK_WAIT_TIMEOUT = 1205;
    private static final int STALE_COUNTERS = 1;
    private static final int RESEND = 2;
    private static final int MAX_REPLANS = 8;

    private static final String APPEND = "CALL timeline_append(?, ?, ?, ?)";
    private static final String READ_COUNTERS = "SELECT STRAIGHT_JOIN s.user_id, s.max_seq"
            + " FROM JSON_TABLE(?, '$[*]' COLUMNS (u BIGINT PATH '$')) j JOIN user_seq s FORCE INDEX (PRIMARY) ON s.user_id = j.u";
    private static final String CREATE_COUNTERS = "INSERT IGNORE INTO user_seq (user_id, max_seq)"
            + " SELECT j.u, 0 FROM JSON_TABLE(?, '$[*]' COLUMNS (u BIGINT PATH '$')) j";
    private static final String FIND_SENT = "SELECT STRAIGHT_JOIN m.sender_id, m.client_msg_id, m.msg_id, m.sender_seq, m.sent_at"
            + " FROM JSON_TABLE(?, '$[*]' COLUMNS (s BIGINT PATH '$[0]',"
            + " c VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$[1]')) j"
            + " JOIN messages m FORCE INDEX (uk_messages_client) ON m.sender_id = j.s AND m.client_msg_id = j.c";

    private static final String USERS = "JSON_TABLE(?, '$[*]' COLUMNS (u BIGINT PATH '$')) j";
    private static final String NEXT_SEQS = "UPDATE " + USERS + " STRAIGHT_JOIN user_seq s FORCE INDEX (PRIMARY) ON s.user_id = j.u"
            + " SET s.max_seq = s.max_seq + 1";
    private static final String INSERT_ENTRY = "INSERT INTO messages (sender_id, client_msg_id, conversation_id, to_type, to_id,"
            + " content_type, body, subject_id, sender_seq, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String INSERT_UNCOUNTED = "INSERT INTO timeline (user_id, seq, msg_id, conversation_id, sender_id, counted)"
            + " VALUES (?, ?, ?, ?, ?, 0)";

    private final UserShards shards;
    /** Each user's max_seq as this writer last stored or read it; only a hint, checked under lock. */
    private final Map<Long, Long> counters = new ConcurrentHashMap<>();
    private final int maxCounters;

    BatchWriter(UserShards shards, int maxCounters) {
        this.shards = shards;
        this.maxCounters = maxCounters;
    }

    /** One message of a batch: who it goes to (sorted, distinct, the sender included where it is a user). */
    record Item(NewMessage message, long[] users) {
        Key key() {
            return new Key(message.senderId(), message.clientMsgId());
        }
    }

    record Key(long sender, String clientMsgId) {
        /** Mixed: 31 * sender + the id's hash collides for numbered ids (a client's counter) from nearby senders. */
        @Override
        public int hashCode() {
            return Long.hashCode(sender * 0x9E3779B97F4A7C15L) ^ clientMsgId.hashCode();
        }
    }

    /**
     * Writes the batch; the results are in the items' order. A resend (stored before, or earlier in the same
     * batch) stores nothing and answers the first result with {@code duplicate} set.
     */
    Uni<List<Timeline.Appended>> write(List<Item> items) {
        List<Long> users = new ArrayList<>(unionOf(items));
        Pool pool = shards.spanning(users); // one transaction over every sender's and recipient's rows
        return Uni.createFrom().deferred(() -> attempt(pool, items, users, Map.of(), 0))
                .onFailure().invoke(e -> users.forEach(counters::remove))
                .onFailure(BatchWriter::retryable).retry().withBackOff(Duration.ofMillis(5), Duration.ofMillis(100)).atMost(8);
    }

    /** An entry that amends a message (content type RECALL or EDIT, {@code subjectId} the message), as stored. */
    record EntryRow(long senderId, String clientMsgId, String conversationId, int toType, long toId, int contentType,
                    String body, long subjectId, long sentAt) {
    }

    /** The entry's id and the seq it took in each holder's timeline. */
    record Entry(long msgId, Map<Long, Long> seqs) {
    }

    /**
     * Appends {@code entry} to the timelines of {@code holders} (in user-id order) inside {@code tx}, the caller's
     * transaction: each holder's counter moves by one (locked in user-id order, as {@code timeline_append} locks
     * them), then the entry's message row and its timeline rows, which never count as unread. The counters are
     * remembered for the next batch's plan (a rollback leaves them stale: that plan finds out and reads them again).
     */
    Uni<Entry> appendEntry(SqlConnection tx, List<Long> holders, EntryRow entry) {
        String users = new JsonArray(new ArrayList<Object>(holders)).encode();
        return tx.preparedQuery(NEXT_SEQS).execute(Tuple.of(users))
                .chain(() -> tx.preparedQuery(READ_COUNTERS).execute(Tuple.of(users)))
                .chain(rows -> {
                    Map<Long, Long> seqs = new LinkedHashMap<>();
                    rows.forEach(r -> seqs.put(r.getLong("user_id"), r.getLong("max_seq")));
                    return tx.preparedQuery(INSERT_ENTRY)
                            .execute(Tuple.of(entry.senderId(), entry.clientMsgId(), entry.conversationId(), entry.toType(),
                                    entry.toId(), entry.contentType()).addValue(entry.body()).addValue(entry.subjectId())
                                    .addValue(seqs.getOrDefault(entry.senderId(), 0L)).addValue(entry.sentAt()))
                            .map(inserted -> inserted.property(MySQLClient.LAST_INSERTED_ID))
                            .call(entryId -> {
                                List<Tuple> timelineRows = new ArrayList<>(seqs.size());
                                seqs.forEach((user, seq) -> timelineRows.add(Tuple.of(user, seq, entryId, entry.conversationId(), entry.senderId())));
                                return tx.preparedQuery(INSERT_UNCOUNTED).executeBatch(timelineRows);
                            })
                            .map(entryId -> {
                                remember(seqs);
                                return new Entry(entryId, seqs);
                            });
                });
    }

    /** A lost deadlock or lock wait: the whole batch rolled back. */
    static boolean retryable(Throwable failure) {
        return failure instanceof MySQLException e && (e.getErrorCode() == DEADLOCK || e.getErrorCode() == LOCK_WAIT_TIMEOUT);
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

    private Uni<List<Timeline.Appended>> attempt(Pool pool, List<Item> items, List<Long> users, Map<Key, Timeline.Appended> stored,
                                                 int replans) {
        if (replans > MAX_REPLANS) {
            return Uni.createFrom().failure(new IllegalStateException("the batch's counters kept moving under it"));
        }
        return known(pool, users).chain(current -> {
            Plan plan = new Plan(items, current, stored, System.currentTimeMillis());
            if (plan.fresh.isEmpty()) {
                return Uni.createFrom().item(plan.results(Map.of()));
            }
            return pool.preparedQuery(APPEND).execute(Tuple.of(plan.counterChecks(), plan.messageRows(), plan.timelineRows(),
                            plan.conversationRows()))
                    .chain(rows -> {
                        int status = rows.iterator().next().getInteger("status");
                        if (status == STALE_COUNTERS) {
                            users.forEach(counters::remove);
                            return attempt(pool, items, users, stored, replans + 1);
                        }
                        if (status == RESEND) {
                            return findSent(pool, items).chain(found -> attempt(pool, items, users, found, replans + 1));
                        }
                        Map<Key, Long> ids = new HashMap<>();
                        rows.forEach(row -> ids.put(new Key(row.getLong("sender_id"), row.getString("client_msg_id")), row.getLong("msg_id")));
                        remember(plan.counters);
                        return Uni.createFrom().item(plan.results(ids));
                    });
        });
    }

    /** The counters of these users: remembered ones, the others read (and created at 0 where missing). */
    private Uni<Map<Long, Long>> known(Pool pool, List<Long> users) {
        Map<Long, Long> known = new HashMap<>(users.size() * 2);
        List<Long> unknown = new ArrayList<>();
        for (long u : users) {
            Long max = counters.get(u);
            if (max == null) {
                unknown.add(u);
            } else {
                known.put(u, max);
            }
        }
        if (unknown.isEmpty()) {
            return Uni.createFrom().item(known);
        }
        String json = new JsonArray(new ArrayList<>(unknown)).encode();
        return pool.preparedQuery(CREATE_COUNTERS).execute(Tuple.of(json))
                .chain(() -> pool.preparedQuery(READ_COUNTERS).execute(Tuple.of(json)))
                .map(rows -> {
                    rows.forEach(row -> known.put(row.getLong("user_id"), row.getLong("max_seq")));
                    return known;
                });
    }

    private void remember(Map<Long, Long> stored) {
        if (counters.size() + stored.size() > maxCounters) {
            counters.clear();
        }
        counters.putAll(stored);
    }

    /** Messages already stored under the batch's keys: each with its id, the sender's seq and its time. */
    private Uni<Map<Key, Timeline.Appended>> findSent(Pool pool, List<Item> items) {
        JsonArray keys = new JsonArray();
        items.forEach(item -> keys.add(new JsonArray().add(item.message().senderId()).add(item.message().clientMsgId())));
        return pool.preparedQuery(FIND_SENT).execute(Tuple.of(keys.encode())).map(rows -> {
            Map<Key, Timeline.Appended> found = new HashMap<>();
            for (Row row : rows) {
                found.put(new Key(row.getLong("sender_id"), row.getString("client_msg_id")), Timeline.stored(row));
            }
            return found;
        });
    }

    /** Which items are new, and the seq each new one takes in each of its recipients' timelines. */
    private static final class Plan {
        final List<Item> items;
        final Map<Key, Timeline.Appended> stored;
        final Map<Long, Long> before;
        final Map<Long, Long> counters;
        final long sentAt;
        /** A new item and the seq it takes in each of its recipients' timelines (user -> seq). */
        record Planned(Item item, Map<Long, Long> seqs) {
        }

        /** New items in batch order. */
        final LinkedHashMap<Key, Planned> fresh = new LinkedHashMap<>();

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
                fresh.put(key, new Planned(item, seqs));
            }
        }

        String messageRows() {
            JsonArray rows = new JsonArray();
            fresh.values().forEach(p -> {
                NewMessage m = p.item().message();
                rows.add(new JsonArray().add(m.senderId()).add(m.clientMsgId()).add(m.conversationId())
                        .add(MessageRows.peerType(m.to())).add(m.to().id())
                        .add(m.system() ? MessageRows.SYSTEM : MessageRows.TEXT).add(m.body())
                        .add(m.subjectId()).add(p.seqs().getOrDefault(m.senderId(), 0L)).add(sentAt));
            });
            return rows.encode();
        }

        String timelineRows() {
            JsonArray rows = new JsonArray();
            fresh.forEach((key, p) -> {
                for (long u : p.item().users()) {
                    rows.add(new JsonArray().add(u).add(p.seqs().get(u)).add(key.sender()).add(key.clientMsgId()));
                }
            });
            return rows.encode();
        }

        /** One row per (user, conversation): the batch's last message there, and how many of them count as unread. */
        String conversationRows() {
            record Conv(long user, String conversationId) {
            }
            Map<Conv, JsonArray> rows = new LinkedHashMap<>();
            fresh.forEach((key, p) -> {
                NewMessage m = p.item().message();
                Map<Long, Long> seqs = p.seqs();
                ConversationIds.Parsed parsed = ConversationIds.parse(m.conversationId());
                for (long u : p.item().users()) {
                    int unread = u == m.senderId() ? 0 : 1;
                    JsonArray row = rows.get(new Conv(u, m.conversationId()));
                    if (row == null) {
                        var peer = parsed.peerOf(u);
                        rows.put(new Conv(u, m.conversationId()), new JsonArray().add(u).add(m.conversationId())
                                .add(MessageRows.peerType(peer)).add(peer.id()).add(seqs.get(u)).add(key.sender()).add(key.clientMsgId()).add(unread));
                    } else {
                        // later in the batch means a higher seq for this user
                        row.set(4, seqs.get(u)).set(5, key.sender()).set(6, key.clientMsgId()).set(7, row.getInteger(7) + unread);
                    }
                }
            });
            return new JsonArray(new ArrayList<>(rows.values())).encode();
        }

        /** [user, expected, new] for every user this batch gives a seq, ascending (the procedure locks in this order). */
        String counterChecks() {
            JsonArray rows = new JsonArray();
            new TreeSet<>(counters.keySet()).forEach(u -> {
                long max = counters.get(u);
                long was = before.getOrDefault(u, 0L);
                if (max != was) {
                    rows.add(new JsonArray().add(u).add(was).add(max));
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
                    Map<Long, Long> seqs = fresh.get(key).seqs();
                    boolean again = answered.put(key, true) != null;
                    results.add(again
                            ? new Timeline.Appended(ids.get(key), sentAt, Map.of(key.sender(), seqs.getOrDefault(key.sender(), 0L)), true)
                            : new Timeline.Appended(ids.get(key), sentAt, seqs, false));
                }
            }
            return results;
        }
    }

}
