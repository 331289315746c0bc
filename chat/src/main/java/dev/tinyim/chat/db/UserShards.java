package dev.tinyim.chat.db;

import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The one place that picks the database for a user's rows (timeline, seq counter, conversations, device acks,
 * the messages the user sent). Today every user lives on the one primary; past one primary (docs/scaling.md) this
 * maps a user id to its shard's pool, and each caller already asks for the pool of the user whose rows it touches.
 * <p>
 * A send's transaction spans the sender's and every recipient's rows: {@link #spanning} returns the pool only while
 * they all live on one shard. On several shards a send becomes the outbox form that docs/scaling.md describes
 * (stored on the sender's shard, appended to each other shard's timelines by that shard's writer), not built yet.
 */
@ApplicationScoped
public class UserShards {
    private final Pool primary;

    public UserShards(Pool primary) {
        this.primary = primary;
    }

    /** The pool holding this user's rows. */
    public Pool of(long userId) {
        return primary;
    }

    /** The pool for one transaction over these users' rows (all of them on one shard). */
    public Pool spanning(java.util.Collection<Long> userIds) {
        return primary;
    }
}
