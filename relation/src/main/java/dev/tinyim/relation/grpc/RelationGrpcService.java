package dev.tinyim.relation.grpc;

import dev.tinyim.proto.relation.v1.*;
import dev.tinyim.relation.block.BlockService;
import dev.tinyim.relation.friend.FriendService;
import dev.tinyim.relation.group.GroupService;
import dev.tinyim.relation.presence.PresenceService;
import dev.tinyim.relation.profile.ProfileService;
import dev.tinyim.relation.store.RecentWrites;
import dev.tinyim.relation.wire.Protos;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/**
 * The gRPC adapter of relation: each method decodes its request, calls one domain service and encodes its domain
 * records as the contract's messages ({@link Protos}).
 * Validation, authorisation and notices live in the services; failures become protocol errors in one place
 * ({@code ProtocolFailures}).
 */
@GrpcService
public class RelationGrpcService implements RelationService {
    private final ProfileService profiles;
    private final FriendService friends;
    private final BlockService blocks;
    private final GroupService groups;
    private final PresenceService presence;
    private final RecentWrites recentWrites;

    public RelationGrpcService(ProfileService profiles, FriendService friends, BlockService blocks, GroupService groups,
                               PresenceService presence, RecentWrites recentWrites) {
        this.profiles = profiles;
        this.friends = friends;
        this.blocks = blocks;
        this.groups = groups;
        this.presence = presence;
        this.recentWrites = recentWrites;
    }

    // ---------------------------------------------------------------- profiles

    @Override
    public Uni<CreateProfileResponse> createProfile(CreateProfileRequest request) {
        return profiles.create(request.getUserId(), request.getUsername(), request.getNickname())
                .map(p -> CreateProfileResponse.newBuilder().setProfile(Protos.profile(p)).build());
    }

    @Override
    public Uni<ProfileResponse> getProfile(GetProfileRequest request) {
        return profiles.get(request.getUserId()).map(RelationGrpcService::profile);
    }

    @Override
    public Uni<ProfileResponse> findProfile(FindProfileRequest request) {
        return profiles.find(request.getUsername()).map(RelationGrpcService::profile);
    }

    @Override
    public Uni<ProfileResponse> updateProfile(UpdateProfileRequest request) {
        return profiles.updateNickname(request.getCallerId(), request.getNickname()).map(RelationGrpcService::profile);
    }

    private static ProfileResponse profile(dev.tinyim.relation.profile.Profile p) {
        return ProfileResponse.newBuilder().setProfile(Protos.profile(p)).build();
    }

    // ---------------------------------------------------------------- friends

    @Override
    public Uni<RequestFriendResponse> requestFriend(RequestFriendRequest request) {
        return friends.request(request.getCallerId(), request.getUserId(), request.getRemark())
                .map(requestId -> RequestFriendResponse.newBuilder().setRequestId(requestId).build());
    }

    @Override
    public Uni<AcceptFriendResponse> acceptFriend(AcceptFriendRequest request) {
        return friends.accept(request.getCallerId(), request.getRequestId())
                .map(friend -> AcceptFriendResponse.newBuilder().setFriend(Protos.friend(friend)).build());
    }

    @Override
    public Uni<RejectFriendResponse> rejectFriend(RejectFriendRequest request) {
        return friends.reject(request.getCallerId(), request.getRequestId())
                .replaceWith(RejectFriendResponse.getDefaultInstance());
    }

    @Override
    public Uni<RemoveFriendResponse> removeFriend(RemoveFriendRequest request) {
        return friends.remove(request.getCallerId(), request.getUserId())
                .replaceWith(RemoveFriendResponse.getDefaultInstance());
    }

    @Override
    public Uni<ListFriendsResponse> listFriends(ListFriendsRequest request) {
        return friends.list(request.getCallerId())
                .map(list -> ListFriendsResponse.newBuilder().addAllFriends(Protos.all(list, Protos::friend)).build());
    }

    @Override
    public Uni<ListFriendRequestsResponse> listFriendRequests(ListFriendRequestsRequest request) {
        return friends.pending(request.getCallerId())
                .map(r -> ListFriendRequestsResponse.newBuilder().addAllIncoming(Protos.all(r.incoming(), Protos::request))
                        .addAllOutgoing(Protos.all(r.outgoing(), Protos::request)).build());
    }

    @Override
    public Uni<RelationshipsResponse> relationships(RelationshipsRequest request) {
        return friends.relationships(request.getPairsList().stream().map(p -> new long[]{p.getUserId(), p.getOtherId()}).toList())
                .map(list -> RelationshipsResponse.newBuilder().addAllRelationships(Protos.all(list, Protos::relationship)).build());
    }

    // ---------------------------------------------------------------- blocks (PROTOCOL.md 7.6)

    @Override
    public Uni<BlockUserResponse> blockUser(BlockUserRequest request) {
        return blocks.block(request.getCallerId(), request.getUserId())
                .replaceWith(BlockUserResponse.getDefaultInstance());
    }

    @Override
    public Uni<UnblockUserResponse> unblockUser(UnblockUserRequest request) {
        return blocks.unblock(request.getCallerId(), request.getUserId())
                .replaceWith(UnblockUserResponse.getDefaultInstance());
    }

    @Override
    public Uni<ListBlockedResponse> listBlocked(ListBlockedRequest request) {
        return blocks.list(request.getCallerId())
                .map(users -> ListBlockedResponse.newBuilder().addAllUsers(Protos.all(users, Protos::profile)).build());
    }

    @Override
    public Uni<BlockersResponse> blockers(BlockersRequest request) {
        return blocks.blockers(request.getUserId())
                .map(ids -> BlockersResponse.newBuilder().addAllBlockerIds(ids).build());
    }

    // ---------------------------------------------------------------- presence (PROTOCOL.md 7.1)

    @Override
    public Uni<GetPresenceResponse> getPresence(GetPresenceRequest request) {
        return presence.get(request.getCallerId(), request.getUserIdsList())
                .map(list -> GetPresenceResponse.newBuilder().addAllPresence(Protos.all(list, Protos::presence)).build());
    }

    // ---------------------------------------------------------------- groups

    @Override
    public Uni<GroupResponse> createGroup(CreateGroupRequest request) {
        return groups.create(request.getCallerId(), request.getName(), request.getMemberIdsList())
                .map(RelationGrpcService::group);
    }

    @Override
    public Uni<GroupResponse> joinGroup(JoinGroupRequest request) {
        return groups.join(request.getCallerId(), request.getGroupId()).map(RelationGrpcService::group);
    }

    @Override
    public Uni<LeaveGroupResponse> leaveGroup(LeaveGroupRequest request) {
        return groups.leave(request.getCallerId(), request.getGroupId())
                .replaceWith(LeaveGroupResponse.getDefaultInstance());
    }

    @Override
    public Uni<GroupResponse> updateGroup(UpdateGroupRequest request) {
        return groups.rename(request.getCallerId(), request.getGroupId(), request.getName()).map(RelationGrpcService::group);
    }

    @Override
    public Uni<RemoveMemberResponse> removeMember(RemoveMemberRequest request) {
        return groups.removeMember(request.getCallerId(), request.getGroupId(), request.getUserId())
                .replaceWith(RemoveMemberResponse.getDefaultInstance());
    }

    @Override
    public Uni<GroupResponse> transferGroup(TransferGroupRequest request) {
        return groups.transfer(request.getCallerId(), request.getGroupId(), request.getUserId()).map(RelationGrpcService::group);
    }

    @Override
    public Uni<GroupMembersResponse> groupMembers(GroupMembersRequest request) {
        return groups.members(request.getCallerId(), request.getGroupId())
                .map(list -> GroupMembersResponse.newBuilder().addAllMembers(Protos.all(list, Protos::profile)).build());
    }

    @Override
    public Uni<ListGroupsResponse> listGroups(ListGroupsRequest request) {
        return groups.list(request.getCallerId())
                .map(list -> ListGroupsResponse.newBuilder().addAllGroups(Protos.all(list, Protos::group)).build());
    }

    @Override
    public Uni<GroupMemberIdsResponse> groupMemberIds(GroupMemberIdsRequest request) {
        return groups.memberIdsOrNull(request.getGroupId())
                .map(ids -> ids == null ? GroupMemberIdsResponse.newBuilder().setExists(false).build()
                        : GroupMemberIdsResponse.newBuilder().setExists(true).addAllMemberIds(ids).build());
    }

    private static GroupResponse group(dev.tinyim.relation.group.Group g) {
        return GroupResponse.newBuilder().setGroup(Protos.group(g)).build();
    }

    // ---------------------------------------------------------------- between relation instances

    @Override
    public Uni<MarkWrittenResponse> markWritten(MarkWrittenRequest request) {
        recentWrites.mark(request.getUserIdsList(), request.getGroupIdsList());
        return Uni.createFrom().item(MarkWrittenResponse.getDefaultInstance());
    }
}
