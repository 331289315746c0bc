package dev.tinyim.chat.permission;

import dev.tinyim.proto.relation.v1.AreFriendsRequest;
import dev.tinyim.proto.relation.v1.AreFriendsResponse;
import dev.tinyim.proto.relation.v1.BlockersRequest;
import dev.tinyim.proto.relation.v1.GroupMemberIdsRequest;
import dev.tinyim.proto.relation.v1.GroupMemberIdsResponse;
import dev.tinyim.proto.relation.v1.MutinyRelationServiceGrpc;
import dev.tinyim.shared.grpc.BackendChannels;
import dev.tinyim.shared.grpc.Retry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Friendships and group members, asked of the relation service (through {@link Permissions}). */
@ApplicationScoped
public class RelationClient {
    private final BackendChannels backends;

    public RelationClient(BackendChannels backends) {
        this.backends = backends;
    }

    Uni<AreFriendsResponse> areFriends(long userId, long otherId) {
        return backends.call("relation", Retry.IDEMPOTENT, MutinyRelationServiceGrpc::newMutinyStub, stub -> stub.areFriends(
                AreFriendsRequest.newBuilder().setUserId(userId).setOtherId(otherId).build()));
    }

    /** Who has blocked this user (PROTOCOL.md 7.6). */
    public Uni<java.util.List<Long>> blockers(long userId) {
        return backends.call("relation", Retry.IDEMPOTENT, MutinyRelationServiceGrpc::newMutinyStub, stub -> stub.blockers(
                BlockersRequest.newBuilder().setUserId(userId).build())).map(r -> r.getBlockerIdsList());
    }

    Uni<GroupMemberIdsResponse> groupMembers(long groupId) {
        return backends.call("relation", Retry.IDEMPOTENT, MutinyRelationServiceGrpc::newMutinyStub, stub -> stub.groupMemberIds(
                GroupMemberIdsRequest.newBuilder().setGroupId(groupId).build()));
    }
}
