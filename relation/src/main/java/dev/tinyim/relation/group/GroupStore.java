package dev.tinyim.relation.group;

import dev.tinyim.relation.profile.Profile;
import dev.tinyim.relation.RelationConfig;
import dev.tinyim.relation.outbox.SystemMessageOutbox;
import dev.tinyim.relation.store.Pools;
import dev.tinyim.relation.store.RecentWrites;
import dev.tinyim.relation.store.Rows;
import dev.tinyim.shared.error.ErrorCode;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.mysqlclient.MySQLClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/**
 * Groups and their members. Each membership change writes its system message into the outbox in the same
 * transaction, so the message cannot be lost between the change and its delivery to chat.
 */
@ApplicationScoped
public class GroupStore {
    private static final String GROUP_COLUMNS = "group_id, name, owner_id, member_count, created_at";

    private final Pools pools;
    private final SystemMessageOutbox outbox;
    private final int maxSize;

    public GroupStore(Pools pools, SystemMessageOutbox outbox, RelationConfig config) {
        this.pools = pools;
        this.outbox = outbox;
        this.maxSize = config.maxGroupSize();
    }

    public int maxSize() {
        return maxSize;
    }

    public Uni<Group> create(long ownerId, String name, List<Long> otherMembers) {
        long now = System.currentTimeMillis();
        List<Long> members = new ArrayList<>();
        members.add(ownerId);
        members.addAll(otherMembers);
        return pools.primary().withTransaction(tx -> tx.preparedQuery(
                                "INSERT INTO chat_groups (name, owner_id, member_count, created_at) VALUES (?, ?, ?, ?)")
                        .execute(Tuple.of(name, ownerId, members.size(), now))
                        .map(rows -> rows.property(MySQLClient.LAST_INSERTED_ID))
                        .call(groupId -> {
                            List<Tuple> rows = members.stream().map(u -> Tuple.of(groupId, u, now)).toList();
                            return tx.preparedQuery("INSERT INTO group_members (group_id, user_id, joined_at) VALUES (?, ?, ?)")
                                    .executeBatch(rows);
                        })
                        .call(groupId -> {
                            Uni<Void> chain = Uni.createFrom().voidItem();
                            for (long member : otherMembers) {
                                chain = chain.chain(() -> outbox.add(tx, groupId, "member_joined", member, members));
                            }
                            return chain;
                        }))
                .call(groupId -> pools.wrote(members, List.of(groupId)))
                .invoke(outbox::drainSoon)
                .map(groupId -> new Group(groupId, name, ownerId, members.size(), now));
    }

    public Uni<Group> join(long userId, long groupId) {
        long now = System.currentTimeMillis();
        return pools.primary().withTransaction(tx -> lockGroup(tx, groupId)
                        .chain(group -> memberIds(tx, groupId).chain(members -> {
                            if (members.contains(userId)) {
                                return Uni.createFrom().<Group>failure(ErrorCode.CONFLICT.exception("already a member"));
                            }
                            if (members.size() >= maxSize) {
                                return Uni.createFrom().<Group>failure(ErrorCode.FORBIDDEN.exception("group is full (" + maxSize + " members)"));
                            }
                            List<Long> after = new ArrayList<>(members);
                            after.add(userId);
                            return tx.preparedQuery("INSERT INTO group_members (group_id, user_id, joined_at) VALUES (?, ?, ?)")
                                    .execute(Tuple.of(groupId, userId, now))
                                    .chain(() -> tx.preparedQuery("UPDATE chat_groups SET member_count = ? WHERE group_id = ?")
                                            .execute(Tuple.of(after.size(), groupId)))
                                    .chain(() -> outbox.add(tx, groupId, "member_joined", userId, after))
                                    .replaceWith(group.withMemberCount(after.size()));
                        })))
                .call(group -> pools.wrote(List.of(userId), List.of(groupId)))
                .invoke(outbox::drainSoon);
    }

    /**
     * group.leave. The owner may not leave while others remain (PROTOCOL.md 7.5: transfer first); the owner leaving
     * as the last member deletes the group. The leaver is told too: the message is the group's last entry in their
     * timeline.
     */
    public Uni<Void> leave(long userId, long groupId) {
        return pools.primary().withTransaction(tx -> lockGroup(tx, groupId)
                        .chain(group -> memberIds(tx, groupId).chain(members -> {
                            if (!members.contains(userId)) {
                                return Uni.createFrom().<Void>failure(ErrorCode.FORBIDDEN.exception("not a member of this group"));
                            }
                            boolean owner = group.ownerId() == userId;
                            if (owner && members.size() > 1) {
                                return Uni.createFrom().<Void>failure(ErrorCode.FORBIDDEN.exception(
                                        "the owner cannot leave while others remain: transfer the group first"));
                            }
                            if (!owner) {
                                return dropMember(tx, groupId, userId, members, "member_left");
                            }
                            return tx.preparedQuery("DELETE FROM group_members WHERE group_id = ?").execute(Tuple.of(groupId))
                                    .chain(() -> tx.preparedQuery("DELETE FROM chat_groups WHERE group_id = ?").execute(Tuple.of(groupId)))
                                    .chain(() -> outbox.add(tx, groupId, "member_left", userId, members));
                        })))
                .call(() -> pools.wrote(List.of(userId), List.of(groupId)))
                .invoke(outbox::drainSoon);
    }

    /** group.update (7.5): the owner renames the group; the name it already has changes nothing and tells no one. */
    public Uni<Group> rename(long callerId, long groupId, String name) {
        return pools.primary().withTransaction(tx -> lockGroup(tx, groupId)
                        .chain(group -> {
                            requireOwner(group, callerId, "rename the group");
                            if (group.name().equals(name)) {
                                return Uni.createFrom().item(group);
                            }
                            return tx.preparedQuery("UPDATE chat_groups SET name = ? WHERE group_id = ?").execute(Tuple.of(name, groupId))
                                    .chain(() -> memberIds(tx, groupId))
                                    .chain(members -> outbox.add(tx, groupId, "group_renamed", callerId, members, name))
                                    .replaceWith(group.withName(name));
                        }))
                .call(group -> pools.wrote(List.of(callerId), List.of(groupId)))
                .invoke(outbox::drainSoon);
    }

    /** group.remove (7.5): the owner removes a member, who gets member_removed as the group's last entry. */
    public Uni<Void> remove(long callerId, long groupId, long userId) {
        return pools.primary().withTransaction(tx -> lockGroup(tx, groupId)
                        .chain(group -> {
                            requireOwner(group, callerId, "remove members");
                            if (userId == group.ownerId()) {
                                throw ErrorCode.BAD_REQUEST.exception("the owner cannot be removed");
                            }
                            return memberIds(tx, groupId);
                        })
                        .chain(members -> {
                            if (!members.contains(userId)) {
                                return Uni.createFrom().<Void>failure(ErrorCode.NOT_FOUND.exception("not a member of this group"));
                            }
                            return dropMember(tx, groupId, userId, members, "member_removed");
                        }))
                .call(() -> pools.wrote(List.of(callerId, userId), List.of(groupId)))
                .invoke(outbox::drainSoon);
    }

    /** group.transfer (7.5): the owner hands the group to another member. */
    public Uni<Group> transfer(long callerId, long groupId, long userId) {
        return pools.primary().withTransaction(tx -> lockGroup(tx, groupId)
                        .chain(group -> {
                            requireOwner(group, callerId, "transfer the group");
                            return memberIds(tx, groupId).chain(members -> {
                                if (!members.contains(userId)) {
                                    return Uni.createFrom().<Group>failure(ErrorCode.FORBIDDEN.exception("the new owner must be a member"));
                                }
                                return tx.preparedQuery("UPDATE chat_groups SET owner_id = ? WHERE group_id = ?")
                                        .execute(Tuple.of(userId, groupId))
                                        .chain(() -> outbox.add(tx, groupId, "owner_changed", userId, members))
                                        .replaceWith(group.withOwner(userId));
                            });
                        }))
                .call(group -> pools.wrote(List.of(callerId, userId), List.of(groupId)))
                .invoke(outbox::drainSoon);
    }

    /**
     * Takes a member out of the group (of {@code members}, the group's members now) and writes {@code event} to all
     * of them, the member who goes included: it is the group's last entry in their timeline.
     */
    private Uni<Void> dropMember(SqlConnection tx, long groupId, long userId, List<Long> members, String event) {
        return tx.preparedQuery("DELETE FROM group_members WHERE group_id = ? AND user_id = ?").execute(Tuple.of(groupId, userId))
                .chain(() -> tx.preparedQuery("UPDATE chat_groups SET member_count = ? WHERE group_id = ?")
                        .execute(Tuple.of(members.size() - 1, groupId)))
                .chain(() -> outbox.add(tx, groupId, event, userId, members));
    }

    private static void requireOwner(Group group, long callerId, String what) {
        if (group.ownerId() != callerId) {
            throw ErrorCode.FORBIDDEN.exception("only the group's owner can " + what);
        }
    }

    /** Members' profiles, for a caller who must be a member. */
    public Uni<List<Profile>> members(long callerId, long groupId) {
        return pools.read(pool -> pool.preparedQuery("SELECT " + GROUP_COLUMNS + " FROM chat_groups WHERE group_id = ?")
                        .execute(Tuple.of(groupId))
                        .chain(groups -> {
                            if (groups.size() == 0) {
                                return Uni.createFrom().<List<Profile>>failure(ErrorCode.NOT_FOUND.exception("no such group"));
                            }
                            return pool.preparedQuery("""
                                            SELECT p.user_id, p.username, p.nickname FROM group_members m
                                            JOIN profiles p ON p.user_id = m.user_id WHERE m.group_id = ? ORDER BY m.joined_at, p.user_id""")
                                    .execute(Tuple.of(groupId))
                                    .map(rows -> Rows.all(rows, row -> Rows.profile(row, "")));
                        }), RecentWrites.user(callerId), RecentWrites.group(groupId))
                .invoke(members -> {
                    if (members.stream().noneMatch(p -> p.userId() == callerId)) {
                        throw ErrorCode.FORBIDDEN.exception("only members can list a group's members");
                    }
                });
    }

    public Uni<List<Group>> list(long userId) {
        return pools.read(pool -> pool.preparedQuery("SELECT g.group_id, g.name, g.owner_id, g.member_count, g.created_at "
                                + "FROM group_members m JOIN chat_groups g ON g.group_id = m.group_id WHERE m.user_id = ? ORDER BY g.group_id")
                        .execute(Tuple.of(userId)), RecentWrites.user(userId))
                .map(rows -> Rows.all(rows, Rows::group));
    }

    /** Whether the group exists, and its members now, read from the primary (chat's fan-out list). */
    public Uni<List<Long>> memberIdsOrNull(long groupId) {
        return pools.exactRead().preparedQuery("SELECT 1 FROM chat_groups WHERE group_id = ?").execute(Tuple.of(groupId))
                .chain(groups -> groups.size() == 0 ? Uni.createFrom().nullItem()
                        : pools.primary().preparedQuery("SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id")
                        .execute(Tuple.of(groupId)).map(rows -> Rows.all(rows, row -> row.getLong("user_id"))));
    }

    private static Uni<Group> lockGroup(SqlConnection tx, long groupId) {
        return tx.preparedQuery("SELECT " + GROUP_COLUMNS + " FROM chat_groups WHERE group_id = ? FOR UPDATE")
                .execute(Tuple.of(groupId))
                .map(rows -> Rows.first(rows, Rows::group))
                .onItem().ifNull().failWith(() -> ErrorCode.NOT_FOUND.exception("no such group"));
    }

    private static Uni<List<Long>> memberIds(SqlConnection tx, long groupId) {
        return tx.preparedQuery("SELECT user_id FROM group_members WHERE group_id = ? ORDER BY user_id")
                .execute(Tuple.of(groupId))
                .map(rows -> Rows.all(rows, row -> row.getLong("user_id")));
    }
}
