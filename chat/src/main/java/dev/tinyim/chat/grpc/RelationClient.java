package dev.tinyim.chat.grpc;

import dev.tinyim.proto.relation.v1.AreFriendsRequest;
import dev.tinyim.proto.relation.v1.AreFriendsResponse;
import dev.tinyim.proto.relation.v1.GroupMemberIdsRequest;
import dev.tinyim.proto.relation.v1.GroupMemberIdsResponse;
import dev.tinyim.proto.relation.v1.MutinyRelationServiceGrpc;
import dev.tinyim.shared.grpc.BackendChannels;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.TimeUnit;

/** Who may write to whom: friendships and group members, asked of the relation service. */
@ApplicationScoped
public class RelationClient {
    private final BackendChannels backends;

    public RelationClient(BackendChannels backends) {
        this.backends = backends;
    }

    private MutinyRelationServiceGrpc.MutinyRelationServiceStub stub(io.grpc.ManagedChannel channel) {
        return MutinyRelationServiceGrpc.newMutinyStub(channel)
                .withDeadlineAfter(backends.deadline().toMillis(), TimeUnit.MILLISECONDS);
    }

    public Uni<AreFriendsResponse> areFriends(long userId, long otherId) {
        return backends.call("relation", ch -> stub(ch).areFriends(
                AreFriendsRequest.newBuilder().setUserId(userId).setOtherId(otherId).build()));
    }

    public Uni<GroupMemberIdsResponse> groupMembers(long groupId) {
        return backends.call("relation", ch -> stub(ch).groupMemberIds(
                GroupMemberIdsRequest.newBuilder().setGroupId(groupId).build()));
    }
}
