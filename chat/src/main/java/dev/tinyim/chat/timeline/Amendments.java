package dev.tinyim.chat.timeline;

import dev.tinyim.chat.ChatConfig;
import dev.tinyim.chat.push.MessagePush;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.chat.db.UserShards;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.mutiny.mysqlclient.MySQLClient;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PROTOCOL.md 7.4: recall and edit. One transaction changes the stored message and appends one recall / edit entry
 * to every timeline that holds it, with the next seq of each (their counters locked in user-id order, as the send
 * transaction locks them), so section 5's guarantees hold for these entries too. A recall also lowers the unread
 * count of every holder who had not read the message, and it stops counting (timeline.counted); the entries
 * themselves never count. The message row is locked first, so concurrent recalls and edits of one message run one
 * after the other and a retried command changes nothing twice. Entries are pushed to every connection of every
 * holder, the caller's own included (the result carries no seq).
 */
@ApplicationScoped
public class Amendments {
    /** Internal clientMsgIds start with a control character, which a client's may not contain (ChatGrpcService). */
    static final String INTERNAL = "\u0001";
    private static final String USERS = "JSON_TABLE(?, '$[*]' COLUMNS (u BIGINT PATH '$')) j";

    private final UserShards shards;
    private final Timeline timeline;
    private final MessagePush push;
    private final Duration recallWindow;
    private final Duration editWindow;

    public Amendments(UserShards shards, Timeline timeline, MessagePush push, ChatConfig config) {
        this.shards = shards;
        this.timeline = timeline;
        this.push = push;
        this.recallWindow = config.recallWindow();
        this.editWindow = config.editWindow();
    }

    private record Original(long msgId, long senderId, String conversationId, int toType, long toId, int contentType,
                            String body, long sentAt, long editedAt, boolean recalled) {
        Peer to() {
            return MessageRows.peer(toType, toId);
        }
    }

    /** What a recall or edit did: the entry appended to each holder's timeline (none when it changed nothing). */
    private record Outcome(long editedAt, Map<Long, StoredMessage> entries) {
    }

    /** msg.recall: answers once the message reads as recalled everywhere (at once when it already did). */
    public Uni<Void> recall(long callerId, long msgId) {
        return amend(callerId, msgId, null).replaceWithVoid();
    }

    /** msg.edit: answers the message's editedAt (its current one when the text is unchanged). */
    public Uni<Long> edit(long callerId, long msgId, String text) {
        return amend(callerId, msgId, text);
    }

    /** {@code text} null: a recall; otherwise an edit to that text. */
    private Uni<Long> amend(long callerId, long msgId, String text) {
        // the caller's shard holds the caller's copy; on one shard it holds every holder's (docs/scaling.md)
        return Uni.createFrom().deferred(() -> shards.of(callerId).withTransaction(tx -> lockMessage(tx, msgId)
                        .chain(original -> holders(tx, msgId).chain(holders -> {
                            if (!holders.contains(callerId)) {
                                return Uni.createFrom().<Outcome>failure(ErrorCode.NOT_FOUND.exception("no such message in your timeline"));
                            }
                            Outcome unchanged = check(callerId, original, text);
                            return unchanged != null ? Uni.createFrom().item(unchanged) : write(tx, callerId, original, holders, text);
                        }))))
                .onFailure(BatchWriter::retryable).retry().withBackOff(Duration.ofMillis(5), Duration.ofMillis(100)).atMost(5)
                .invoke(outcome -> {
                    if (!outcome.entries().isEmpty()) {
                        push.entries(outcome.entries());
                    }
                })
                .map(Outcome::editedAt);
    }

    /** Refuses what the caller may not do; answers an outcome when there is nothing to change, null to go on. */
    private Outcome check(long callerId, Original m, String text) {
        String verb = text == null ? "recall" : "edit";
        String done = text == null ? "recalled" : "edited";
        if (m.senderId() != callerId) {
            throw ErrorCode.FORBIDDEN.exception("only its sender can " + verb + " a message");
        }
        if (m.contentType() != MessageRows.TEXT) {
            throw ErrorCode.FORBIDDEN.exception("only text messages can be " + done);
        }
        if (text == null && m.recalled()) {
            return new Outcome(m.editedAt(), Map.of()); // recalled before: nothing twice
        }
        if (text != null && m.recalled()) {
            throw ErrorCode.FORBIDDEN.exception("a recalled message cannot be edited");
        }
        if (text != null && text.equals(m.body())) {
            return new Outcome(m.editedAt(), Map.of()); // already this text: nothing twice, even after the window
        }
        Duration window = text == null ? recallWindow : editWindow;
        if (System.currentTimeMillis() - m.sentAt() > window.toMillis()) {
            throw ErrorCode.FORBIDDEN.exception("messages can be " + done + " for " + window.toSeconds() + " s after they were sent");
        }
        return null;
    }

    private static Uni<Original> lockMessage(SqlConnection tx, long msgId) {
        return tx.preparedQuery("SELECT msg_id, sender_id, conversation_id, to_type, to_id, content_type, body, sent_at,"
                        + " edited_at, recalled FROM messages WHERE msg_id = ? FOR UPDATE")
                .execute(Tuple.of(msgId))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw ErrorCode.NOT_FOUND.exception("no such message in your timeline");
                    }
                    Row r = rows.iterator().next();
                    return new Original(r.getLong("msg_id"), r.getLong("sender_id"), r.getString("conversation_id"),
                            r.getInteger("to_type"), r.getLong("to_id"), r.getInteger("content_type"), r.getString("body"),
                            r.getLong("sent_at"), r.getLong("edited_at"), r.getInteger("recalled") != 0);
                });
    }

    /** Every user whose timeline holds the message, in user-id order (the order their counters are locked in). */
    private static Uni<List<Long>> holders(SqlConnection tx, long msgId) {
        return tx.preparedQuery("SELECT user_id FROM timeline WHERE msg_id = ? ORDER BY user_id").execute(Tuple.of(msgId))
                .map(rows -> {
                    List<Long> holders = new ArrayList<>();
                    rows.forEach(r -> holders.add(r.getLong("user_id")));
                    return holders;
                });
    }

    private Uni<Outcome> write(SqlConnection tx, long callerId, Original m, List<Long> holders, String text) {
        long now = System.currentTimeMillis();
        long editedAt = text == null ? m.editedAt() : Math.max(now, m.editedAt() + 1);
        String users = new JsonArray(new ArrayList<Object>(holders)).encode();
        int type = text == null ? MessageRows.RECALL : MessageRows.EDIT;
        String clientMsgId = INTERNAL + (text == null ? "recall:" + m.msgId() : "edit:" + m.msgId() + ":" + editedAt);
        return tx.preparedQuery("UPDATE " + USERS + " STRAIGHT_JOIN user_seq s FORCE INDEX (PRIMARY) ON s.user_id = j.u"
                        + " SET s.max_seq = s.max_seq + 1").execute(Tuple.of(users))
                .chain(() -> tx.preparedQuery("SELECT STRAIGHT_JOIN s.user_id, s.max_seq FROM " + USERS
                        + " JOIN user_seq s FORCE INDEX (PRIMARY) ON s.user_id = j.u").execute(Tuple.of(users)))
                .chain(rows -> {
                    Map<Long, Long> seqs = new LinkedHashMap<>();
                    rows.forEach(r -> seqs.put(r.getLong("user_id"), r.getLong("max_seq")));
                    return tx.preparedQuery("INSERT INTO messages (sender_id, client_msg_id, conversation_id, to_type, to_id,"
                                    + " content_type, body, subject_id, sender_seq, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                            .execute(Tuple.of(callerId, clientMsgId, m.conversationId(), m.toType(), m.toId(), type)
                                    .addValue(text == null ? "" : text).addValue(m.msgId()).addValue(seqs.get(callerId)).addValue(now))
                            .map(inserted -> inserted.property(MySQLClient.LAST_INSERTED_ID))
                            .call(entryId -> {
                                List<Tuple> entries = new ArrayList<>();
                                seqs.forEach((user, seq) -> entries.add(Tuple.of(user, seq, entryId, m.conversationId(), callerId)));
                                return tx.preparedQuery("INSERT INTO timeline (user_id, seq, msg_id, conversation_id, sender_id, counted)"
                                        + " VALUES (?, ?, ?, ?, ?, 0)").executeBatch(entries);
                            })
                            .call(() -> text == null ? markRecalled(tx, m) : tx.preparedQuery(
                                    "UPDATE messages SET body = ?, edited_at = ? WHERE msg_id = ?").execute(Tuple.of(text, editedAt, m.msgId())))
                            .map(entryId -> {
                                timeline.countersMoved(seqs);
                                Map<Long, StoredMessage> entries = new LinkedHashMap<>();
                                seqs.forEach((user, seq) -> entries.put(user, entry(m, callerId, entryId, seq, now, text)));
                                return new Outcome(editedAt, entries);
                            });
                });
    }

    /** The recalled message stops counting: holders who had not read it have one unread fewer. */
    private static Uni<Void> markRecalled(SqlConnection tx, Original m) {
        return tx.preparedQuery("UPDATE conversations c JOIN timeline t ON t.user_id = c.user_id AND t.conversation_id = c.conversation_id"
                        + " SET c.unread = GREATEST(c.unread - 1, 0)"
                        + " WHERE t.msg_id = ? AND t.user_id <> ? AND t.seq > c.read_seq AND t.counted = 1")
                .execute(Tuple.of(m.msgId(), m.senderId()))
                .chain(() -> tx.preparedQuery("UPDATE timeline SET counted = 0 WHERE msg_id = ?").execute(Tuple.of(m.msgId())))
                .chain(() -> tx.preparedQuery("UPDATE messages SET recalled = 1 WHERE msg_id = ?").execute(Tuple.of(m.msgId())))
                .replaceWithVoid();
    }

    private static StoredMessage entry(Original m, long senderId, long entryId, long seq, long sentAt, String text) {
        return new StoredMessage(seq, entryId, m.conversationId(), senderId, m.to(), sentAt, "", 0,
                text == null ? new StoredMessage.Recall(m.msgId()) : new StoredMessage.Edit(m.msgId(), text));
    }
}
