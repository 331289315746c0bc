package dev.tinyim.chat.timeline;

import dev.tinyim.chat.ChatConfig;
import dev.tinyim.chat.db.UserShards;
import dev.tinyim.shared.error.ErrorCode;
import io.smallrye.mutiny.Uni;
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
 * to every timeline that holds it through the timeline's writer ({@link Timeline#appendEntry}: the next seq of each,
 * their counters locked in user-id order as the send transaction locks them), so section 5's guarantees hold for
 * these entries too. A recall also lowers the unread count of every holder who had not read the message, and it
 * stops counting (timeline.counted); the entries themselves never count. The message row is locked first, so
 * concurrent recalls and edits of one message run one after the other and a retried command changes nothing twice.
 * The caller publishes the entries ({@link Amended#entries}) to every connection of every holder, the caller's own
 * included (the result carries no seq).
 */
@ApplicationScoped
public class Amendments {
    /** Internal clientMsgIds start with a control character, which a client's may not contain (ChatGrpcService). */
    static final String INTERNAL = "\u0001";

    private final UserShards shards;
    private final Timeline timeline;
    private final Duration recallWindow;
    private final Duration editWindow;

    public Amendments(UserShards shards, Timeline timeline, ChatConfig config) {
        this.shards = shards;
        this.timeline = timeline;
        this.recallWindow = config.recallWindow();
        this.editWindow = config.editWindow();
    }

    private record Original(long msgId, long senderId, String conversationId, int toType, long toId, int contentType,
                            String body, long sentAt, long editedAt, boolean recalled) {
        Peer to() {
            return MessageRows.peer(toType, toId);
        }
    }

    /**
     * What a recall or edit did: the message's editedAt, and the entry appended to each holder's timeline (none
     * when it changed nothing), for the caller to publish.
     */
    public record Amended(long editedAt, Map<Long, StoredMessage> entries) {
    }

    /** msg.recall: answers once the message reads as recalled everywhere (at once when it already did). */
    public Uni<Amended> recall(long callerId, long msgId) {
        return amend(callerId, msgId, null);
    }

    /** msg.edit: answers the message's editedAt (its current one when the text is unchanged). */
    public Uni<Amended> edit(long callerId, long msgId, String text) {
        return amend(callerId, msgId, text);
    }

    /** {@code text} null: a recall; otherwise an edit to that text. */
    private Uni<Amended> amend(long callerId, long msgId, String text) {
        // the caller's shard holds the caller's copy; on one shard it holds every holder's (docs/scaling.md)
        return Uni.createFrom().deferred(() -> shards.of(callerId).withTransaction(tx -> lockMessage(tx, msgId)
                        .chain(original -> holders(tx, msgId).chain(holders -> {
                            if (!holders.contains(callerId)) {
                                return Uni.createFrom().<Amended>failure(ErrorCode.NOT_FOUND.exception("no such message in your timeline"));
                            }
                            Amended unchanged = check(callerId, original, text);
                            return unchanged != null ? Uni.createFrom().item(unchanged) : write(tx, callerId, original, holders, text);
                        }))))
                .onFailure(BatchWriter::retryable).retry().withBackOff(Duration.ofMillis(5), Duration.ofMillis(100)).atMost(5);
    }

    /** Refuses what the caller may not do; answers an outcome when there is nothing to change, null to go on. */
    private Amended check(long callerId, Original m, String text) {
        String verb = text == null ? "recall" : "edit";
        String done = text == null ? "recalled" : "edited";
        if (m.senderId() != callerId) {
            throw ErrorCode.FORBIDDEN.exception("only its sender can " + verb + " a message");
        }
        if (m.contentType() != MessageRows.TEXT) {
            throw ErrorCode.FORBIDDEN.exception("only text messages can be " + done);
        }
        if (text == null && m.recalled()) {
            return new Amended(m.editedAt(), Map.of()); // recalled before: nothing twice
        }
        if (text != null && m.recalled()) {
            throw ErrorCode.FORBIDDEN.exception("a recalled message cannot be edited");
        }
        if (text != null && text.equals(m.body())) {
            return new Amended(m.editedAt(), Map.of()); // already this text: nothing twice, even after the window
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

    private Uni<Amended> write(SqlConnection tx, long callerId, Original m, List<Long> holders, String text) {
        long now = System.currentTimeMillis();
        long editedAt = text == null ? m.editedAt() : Math.max(now, m.editedAt() + 1);
        int type = text == null ? MessageRows.RECALL : MessageRows.EDIT;
        String clientMsgId = INTERNAL + (text == null ? "recall:" + m.msgId() : "edit:" + m.msgId() + ":" + editedAt);
        BatchWriter.EntryRow row = new BatchWriter.EntryRow(callerId, clientMsgId, m.conversationId(), m.toType(), m.toId(),
                type, text == null ? "" : text, m.msgId(), now);
        return timeline.appendEntry(tx, holders, row)
                .call(() -> text == null ? markRecalled(tx, m) : tx.preparedQuery(
                        "UPDATE messages SET body = ?, edited_at = ? WHERE msg_id = ?").execute(Tuple.of(text, editedAt, m.msgId())))
                .map(entry -> {
                    Map<Long, StoredMessage> entries = new LinkedHashMap<>();
                    entry.seqs().forEach((user, seq) -> entries.put(user, entry(m, callerId, entry.msgId(), seq, now, text)));
                    return new Amended(editedAt, entries);
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
