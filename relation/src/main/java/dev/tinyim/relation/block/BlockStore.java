package dev.tinyim.relation.block;

import dev.tinyim.relation.profile.Profile;
import dev.tinyim.relation.store.Pools;
import dev.tinyim.relation.store.RecentWrites;
import dev.tinyim.relation.store.Rows;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/** One-way blocks (PROTOCOL.md 7.6): a row per blocker and blocked user. */
@ApplicationScoped
public class BlockStore {
    private final Pools pools;

    public BlockStore(Pools pools) {
        this.pools = pools;
    }

    /** Blocks; blocking twice changes nothing. */
    public Uni<Void> block(long userId, long blockedId) {
        return pools.primary().preparedQuery("INSERT IGNORE INTO blocks (user_id, blocked_id, created_at) VALUES (?, ?, ?)")
                .execute(Tuple.of(userId, blockedId, System.currentTimeMillis()))
                .call(() -> pools.wrote(List.of(userId, blockedId), List.of()))
                .replaceWithVoid();
    }

    /** True when there was a block to lift. */
    public Uni<Boolean> unblock(long userId, long blockedId) {
        return pools.primary().preparedQuery("DELETE FROM blocks WHERE user_id = ? AND blocked_id = ?")
                .execute(Tuple.of(userId, blockedId))
                .call(() -> pools.wrote(List.of(userId, blockedId), List.of()))
                .map(rows -> rows.rowCount() > 0);
    }

    /** Whether {@code userId} blocks {@code otherId}, as written (the primary: a block takes effect at once). */
    public Uni<Boolean> blocks(long userId, long otherId) {
        return pools.exactRead().preparedQuery("SELECT 1 FROM blocks WHERE user_id = ? AND blocked_id = ?")
                .execute(Tuple.of(userId, otherId))
                .map(rows -> rows.size() > 0);
    }

    public Uni<List<Profile>> list(long userId) {
        return pools.read(pool -> pool.preparedQuery("""
                                SELECT p.user_id, p.username, p.nickname FROM blocks b
                                JOIN profiles p ON p.user_id = b.blocked_id WHERE b.user_id = ? ORDER BY b.created_at, p.user_id""")
                        .execute(Tuple.of(userId)), RecentWrites.user(userId))
                .map(rows -> Rows.all(rows, row -> Rows.profile(row, "")));
    }

    public Uni<List<Long>> blockers(long userId) {
        return pools.exactRead().preparedQuery("SELECT user_id FROM blocks WHERE blocked_id = ?")
                .execute(Tuple.of(userId))
                .map(rows -> Rows.all(rows, row -> row.getLong("user_id")));
    }
}
