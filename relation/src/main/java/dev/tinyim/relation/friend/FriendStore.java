package dev.tinyim.relation.friend;

import dev.tinyim.relation.store.Pools;
import dev.tinyim.relation.store.RecentWrites;
import dev.tinyim.relation.store.Rows;
import dev.tinyim.shared.error.ErrorCode;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/** Friend requests and friendships (two rows per friendship, one per direction). */
@ApplicationScoped
public class FriendStore {
    static final int PENDING = 0;
    static final int ACCEPTED = 1;
    static final int REJECTED = 2;

    private static final String REQUEST_SELECT = """
            SELECT r.request_id, r.from_id, r.to_id, r.remark, r.status, r.created_at,
                   f.user_id AS f_user_id, f.username AS f_username, f.nickname AS f_nickname,
                   t.user_id AS t_user_id, t.username AS t_username, t.nickname AS t_nickname
            FROM friend_requests r JOIN profiles f ON f.user_id = r.from_id JOIN profiles t ON t.user_id = r.to_id
            """;

    private final Pools pools;

    public FriendStore(Pools pools) {
        this.pools = pools;
    }

    public record PendingRequest(long requestId, long fromId, long toId, int status) {
    }

    /** What {@code userId} is to {@code otherId}: whether the other exists, they are friends, the other blocks them. */
    public record Relationship(boolean otherExists, boolean friends, boolean blockedByOther) {
    }

    /** The most pairs one {@link #relationships} statement carries (relation.proto, {@code RelationshipsRequest}). */
    public static final int MAX_PAIRS = 256;

    /**
     * What each user is to the other, for many pairs in one statement read on the primary (a friendship accepted or
     * a block set a moment ago counts at once). The pairs are padded to a power of two, so that a few prepared
     * statements serve every batch size.
     */
    public Uni<List<Relationship>> relationships(List<long[]> pairs) {
        if (pairs.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        if (pairs.size() > MAX_PAIRS) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("at most " + MAX_PAIRS + " pairs at once"));
        }
        int padded = Integer.highestOneBit(pairs.size() * 2 - 1);
        StringBuilder sql = new StringBuilder("""
                SELECT q.i, p.user_id IS NOT NULL AS other_exists, f.user_id IS NOT NULL AS friends,
                       b.user_id IS NOT NULL AS blocked
                FROM (SELECT ? AS i, ? AS user_id, ? AS other_id""");
        sql.append(" UNION ALL SELECT ?, ?, ?".repeat(padded - 1)).append("""
                ) q
                LEFT JOIN profiles p ON p.user_id = q.other_id
                LEFT JOIN friendships f ON f.user_id = q.user_id AND f.friend_id = q.other_id
                LEFT JOIN blocks b ON b.user_id = q.other_id AND b.blocked_id = q.user_id""");
        Tuple params = Tuple.tuple();
        for (int i = 0; i < padded; i++) {
            int at = Math.min(i, pairs.size() - 1);
            params.addLong((long) at).addLong(pairs.get(at)[0]).addLong(pairs.get(at)[1]);
        }
        return pools.exactRead().preparedQuery(sql.toString()).execute(params).map(rows -> {
            Relationship[] found = new Relationship[pairs.size()];
            for (Row row : rows) {
                found[row.getLong("i").intValue()] = new Relationship(row.getBoolean("other_exists"),
                        row.getBoolean("friends"), row.getBoolean("blocked"));
            }
            return List.of(found);
        });
    }

    public Uni<Boolean> areFriends(long userId, long otherId) {
        return pools.exactRead().preparedQuery("SELECT 1 FROM friendships WHERE user_id = ? AND friend_id = ?")
                .execute(Tuple.of(userId, otherId))
                .map(rows -> rows.size() > 0);
    }

    /** Creates a pending request, or refreshes the remark of the one already pending; returns its id. */
    public Uni<Long> request(long fromId, long toId, String remark) {
        long now = System.currentTimeMillis();
        String pendingKey = fromId + ":" + toId;
        return pools.primary().preparedQuery("""
                        INSERT INTO friend_requests (from_id, to_id, remark, status, pending_key, created_at, updated_at)
                        VALUES (?, ?, ?, 0, ?, ?, ?)
                        ON DUPLICATE KEY UPDATE remark = VALUES(remark), updated_at = VALUES(updated_at)""")
                .execute(Tuple.tuple(List.of(fromId, toId, remark, pendingKey, now, now)))
                .chain(() -> pools.primary().preparedQuery("SELECT request_id FROM friend_requests WHERE pending_key = ?")
                        .execute(Tuple.of(pendingKey)))
                .map(rows -> rows.iterator().next().getLong("request_id"))
                .call(() -> pools.wrote(List.of(fromId, toId), List.of()));
    }

    public Uni<FriendRequest> loadRequest(long requestId) {
        return pools.exactRead().preparedQuery(REQUEST_SELECT + " WHERE r.request_id = ?")
                .execute(Tuple.of(requestId))
                .map(rows -> Rows.first(rows, FriendStore::request));
    }

    /**
     * Settles a pending request addressed to {@code callerId}, in one transaction: accept makes the two friends.
     * Returns the request as it was.
     */
    public Uni<PendingRequest> settle(long callerId, long requestId, boolean accept) {
        long now = System.currentTimeMillis();
        return pools.primary().withTransaction(tx -> tx.preparedQuery(
                                "SELECT request_id, from_id, to_id, status FROM friend_requests WHERE request_id = ? FOR UPDATE")
                        .execute(Tuple.of(requestId))
                        .map(rows -> Rows.first(rows, row -> new PendingRequest(row.getLong("request_id"),
                                row.getLong("from_id"), row.getLong("to_id"), row.getInteger("status"))))
                        .chain(request -> {
                            if (request == null) {
                                return Uni.createFrom().failure(ErrorCode.NOT_FOUND.exception("no such friend request"));
                            }
                            if (request.toId() != callerId) {
                                return Uni.createFrom().failure(ErrorCode.FORBIDDEN.exception("only the addressee can answer a friend request"));
                            }
                            if (request.status() != PENDING) {
                                return Uni.createFrom().failure(ErrorCode.CONFLICT.exception("friend request already handled"));
                            }
                            return tx.preparedQuery("UPDATE friend_requests SET status = ?, pending_key = NULL, updated_at = ? WHERE request_id = ?")
                                    .execute(Tuple.of(accept ? ACCEPTED : REJECTED, now, requestId))
                                    .chain(() -> accept ? befriend(tx, request.fromId(), request.toId(), now) : Uni.createFrom().voidItem())
                                    .replaceWith(request);
                        }))
                .call(request -> pools.wrote(List.of(request.fromId(), request.toId()), List.of()));
    }

    private static Uni<Void> befriend(SqlConnection tx, long a, long b, long now) {
        return tx.preparedQuery("INSERT IGNORE INTO friendships (user_id, friend_id, since) VALUES (?, ?, ?), (?, ?, ?)")
                .execute(Tuple.tuple(List.of(a, b, now, b, a, now)))
                .replaceWithVoid();
    }

    public Uni<Boolean> remove(long userId, long friendId) {
        return pools.primary().preparedQuery(
                        "DELETE FROM friendships WHERE (user_id = ? AND friend_id = ?) OR (user_id = ? AND friend_id = ?)")
                .execute(Tuple.of(userId, friendId, friendId, userId))
                .map(rows -> rows.rowCount() > 0)
                .call(() -> pools.wrote(List.of(userId, friendId), List.of()));
    }

    public Uni<Friend> friend(long userId, long friendId) {
        return pools.exactRead().preparedQuery("""
                        SELECT p.user_id, p.username, p.nickname, f.since FROM friendships f
                        JOIN profiles p ON p.user_id = f.friend_id WHERE f.user_id = ? AND f.friend_id = ?""")
                .execute(Tuple.of(userId, friendId))
                .map(rows -> Rows.first(rows, FriendStore::friend));
    }

    public Uni<List<Friend>> list(long userId) {
        return pools.read(pool -> pool.preparedQuery("""
                                SELECT p.user_id, p.username, p.nickname, f.since FROM friendships f
                                JOIN profiles p ON p.user_id = f.friend_id WHERE f.user_id = ? ORDER BY f.since, p.user_id""")
                        .execute(Tuple.of(userId)), RecentWrites.user(userId))
                .map(rows -> Rows.all(rows, FriendStore::friend));
    }

    public record Requests(List<FriendRequest> incoming, List<FriendRequest> outgoing) {
    }

    public Uni<Requests> pending(long userId) {
        return pools.read(pool -> pool.preparedQuery(REQUEST_SELECT
                                + " WHERE (r.to_id = ? OR r.from_id = ?) AND r.status = 0 ORDER BY r.request_id")
                        .execute(Tuple.of(userId, userId)), RecentWrites.user(userId))
                .map(rows -> {
                    List<FriendRequest> all = Rows.all(rows, FriendStore::request);
                    return new Requests(all.stream().filter(r -> r.to().userId() == userId).toList(),
                            all.stream().filter(r -> r.from().userId() == userId).toList());
                });
    }

    private static Friend friend(Row row) {
        return new Friend(Rows.profile(row, ""), row.getLong("since"));
    }

    private static FriendRequest request(Row row) {
        return new FriendRequest(row.getLong("request_id"), Rows.profile(row, "f_"), Rows.profile(row, "t_"),
                row.getString("remark"), row.getLong("created_at"));
    }
}
