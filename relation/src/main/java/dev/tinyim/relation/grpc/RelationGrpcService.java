package dev.tinyim.relation.grpc;

import dev.tinyim.proto.relation.v1.*;
import dev.tinyim.relation.block.BlockStore;
import dev.tinyim.relation.chat.ChatPermissions;
import dev.tinyim.relation.friend.FriendStore;
import dev.tinyim.relation.group.GroupStore;
import dev.tinyim.relation.presence.PresenceService;
import dev.tinyim.relation.profile.ProfileStore;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.push.Push;
import dev.tinyim.shared.push.PushBus;
import dev.tinyim.shared.wire.WireJson;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** Profiles, friends and groups; validates every input and pushes the friend notices. */
@GrpcService
public class RelationGrpcService implements RelationService {
    private static final Logger LOG = Logger.getLogger(RelationGrpcService.class);

    private final ProfileStore profiles;
    private final FriendStore friends;
    private final GroupStore groups;
    private final PushBus pushBus;
    private final ChatPermissions chatPermissions;
    private final BlockStore blocks;
    private final PresenceService presence;

    public RelationGrpcService(ProfileStore profiles, FriendStore friends, GroupStore groups, PushBus pushBus,
                               ChatPermissions chatPermissions, BlockStore blocks, PresenceService presence) {
        this.blocks = blocks;
        this.presence = presence;
        this.profiles = profiles;
        this.friends = friends;
        this.groups = groups;
        this.pushBus = pushBus;
        this.chatPermissions = chatPermissions;
    }

    // ---------------------------------------------------------------- profiles

    @Override
    public Uni<CreateProfileResponse> createProfile(CreateProfileRequest request) {
        return profiles.create(request.getUserId(), request.getUsername(), request.getNickname())
                .map(p -> CreateProfileResponse.newBuilder().setProfile(p).build());
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
        String nickname = request.getNickname();
        if (!isName(nickname)) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("nickname must be 1-64 characters"));
        }
        return profiles.updateNickname(request.getCallerId(), nickname).map(RelationGrpcService::profile);
    }

    /** Nicknames and group names: 1-64 characters, not only blanks. */
    private static boolean isName(String text) {
        int length = text.codePointCount(0, text.length());
        return length >= 1 && length <= 64 && !text.isBlank();
    }

    private static ProfileResponse profile(Profile p) {
        return ProfileResponse.newBuilder().setProfile(p).build();
    }

    // ---------------------------------------------------------------- friends

    @Override
    public Uni<RequestFriendResponse> requestFriend(RequestFriendRequest request) {
        long caller = request.getCallerId();
        long target = request.getUserId();
        String remark = request.getRemark();
        if (target == caller) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("you cannot befriend yourself"));
        }
        if (remark.codePointCount(0, remark.length()) > 200) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("remark is longer than 200 characters"));
        }
        return profiles.getExact(target)
                .onItem().ifNull().failWith(() -> ErrorCode.NOT_FOUND.exception("no such user"))
                .chain(() -> blocks.blocks(target, caller))
                .invoke(blocked -> {
                    if (blocked) {
                        throw ErrorCode.FORBIDDEN.exception("you cannot message this user");
                    }
                })
                .chain(() -> friends.areFriends(caller, target))
                .chain(already -> already
                        ? Uni.createFrom().<Long>failure(ErrorCode.CONFLICT.exception("already friends"))
                        : friends.request(caller, target, remark))
                .call(requestId -> friends.loadRequest(requestId)
                        .chain(r -> pushBus.publish(Push.toUser(target, WireJson.event("friend.request", WireJson.request(r)))))
                        .onFailure().invoke(e -> LOG.warnf("friend.request notice not pushed: %s", e.getMessage()))
                        .onFailure().recoverWithNull())
                .map(requestId -> RequestFriendResponse.newBuilder().setRequestId(requestId).build());
    }

    @Override
    public Uni<AcceptFriendResponse> acceptFriend(AcceptFriendRequest request) {
        long caller = request.getCallerId();
        return friends.settle(caller, request.getRequestId(), true)
                .chain(settled -> Uni.combine().all()
                        .unis(friends.friend(caller, settled.fromId()), friends.friend(settled.fromId(), caller)).asTuple()
                        .call(pair -> notify(settled.fromId(), "friend.accepted", new JsonObject()
                                .put("requestId", WireJson.id(settled.requestId()))
                                .put("friend", WireJson.friend(pair.getItem2()))))
                        .map(pair -> AcceptFriendResponse.newBuilder().setFriend(pair.getItem1()).build()));
    }

    @Override
    public Uni<RejectFriendResponse> rejectFriend(RejectFriendRequest request) {
        long caller = request.getCallerId();
        return friends.settle(caller, request.getRequestId(), false)
                .call(settled -> notify(settled.fromId(), "friend.rejected", new JsonObject()
                        .put("requestId", WireJson.id(settled.requestId())).put("userId", WireJson.id(caller))))
                .replaceWith(RejectFriendResponse.getDefaultInstance());
    }

    private Uni<Void> notify(long userId, String type, JsonObject data) {
        return pushBus.publish(Push.toUser(userId, WireJson.event(type, data)))
                .onFailure().invoke(e -> LOG.warnf("%s notice not pushed: %s", type, e.getMessage()))
                .onFailure().recoverWithNull();
    }

    @Override
    public Uni<RemoveFriendResponse> removeFriend(RemoveFriendRequest request) {
        return friends.remove(request.getCallerId(), request.getUserId())
                .chain(removed -> removed
                        ? chatPermissions.forgetFriendship(request.getCallerId(), request.getUserId())
                                .replaceWith(RemoveFriendResponse.getDefaultInstance())
                        : Uni.createFrom().failure(ErrorCode.NOT_FOUND.exception("not a friend")));
    }

    @Override
    public Uni<ListFriendsResponse> listFriends(ListFriendsRequest request) {
        return friends.list(request.getCallerId())
                .map(list -> ListFriendsResponse.newBuilder().addAllFriends(list).build());
    }

    @Override
    public Uni<ListFriendRequestsResponse> listFriendRequests(ListFriendRequestsRequest request) {
        return friends.pending(request.getCallerId())
                .map(r -> ListFriendRequestsResponse.newBuilder().addAllIncoming(r.incoming()).addAllOutgoing(r.outgoing()).build());
    }

    @Override
    public Uni<AreFriendsResponse> areFriends(AreFriendsRequest request) {
        return Uni.combine().all().unis(profiles.getExact(request.getOtherId()),
                        friends.areFriends(request.getUserId(), request.getOtherId()),
                        blocks.blocks(request.getOtherId(), request.getUserId())).asTuple()
                .map(t -> AreFriendsResponse.newBuilder().setOtherExists(t.getItem1() != null).setFriends(t.getItem2())
                        .setBlocked(t.getItem3()).build());
    }

    // ---------------------------------------------------------------- blocks (PROTOCOL.md 7.6)

    @Override
    public Uni<BlockUserResponse> blockUser(BlockUserRequest request) {
        long caller = request.getCallerId();
        long target = request.getUserId();
        if (target == caller) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("you cannot block yourself"));
        }
        return profiles.getExact(target)
                .onItem().ifNull().failWith(() -> ErrorCode.NOT_FOUND.exception("no such user"))
                .chain(() -> blocks.block(caller, target))
                // chat remembered that the blocked user may write to the caller: it must ask again
                .call(() -> chatPermissions.forgetFriendship(caller, target))
                // 7.1: from now on the caller looks offline to the blocked user, who gets no presence event of the
                // caller's, not even this change (presence.get answers offline, never seen)
                .replaceWith(BlockUserResponse.getDefaultInstance());
    }

    @Override
    public Uni<UnblockUserResponse> unblockUser(UnblockUserRequest request) {
        return blocks.unblock(request.getCallerId(), request.getUserId())
                .invoke(lifted -> {
                    if (!lifted) {
                        throw ErrorCode.NOT_FOUND.exception("no such user, or not blocked");
                    }
                })
                .call(() -> showPresence(request.getUserId(), request.getCallerId()))
                .replaceWith(UnblockUserResponse.getDefaultInstance());
    }

    /** {@code subject}'s presence as a presence event to {@code viewer}, a friend it was hidden from until an unblock. */
    private Uni<Void> showPresence(long viewer, long subject) {
        return friends.areFriends(viewer, subject)
                .chain(areFriends -> !areFriends ? Uni.createFrom().voidItem()
                        : presence.presenceOf(List.of(subject)).chain(p -> pushBus.publish(
                                Push.toUser(viewer, WireJson.event("presence", WireJson.presence(p.get(subject)))))))
                .onFailure().invoke(e -> LOG.warnf("presence after an unblock not pushed: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }

    @Override
    public Uni<ListBlockedResponse> listBlocked(ListBlockedRequest request) {
        return blocks.list(request.getCallerId())
                .map(users -> ListBlockedResponse.newBuilder().addAllUsers(users).build());
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
                .map(list -> GetPresenceResponse.newBuilder().addAllPresence(list).build());
    }

    // ---------------------------------------------------------------- groups

    @Override
    public Uni<GroupResponse> createGroup(CreateGroupRequest request) {
        long caller = request.getCallerId();
        String name = request.getName();
        if (!isName(name)) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("group name must be 1-64 characters"));
        }
        LinkedHashSet<Long> others = new LinkedHashSet<>(request.getMemberIdsList());
        others.remove(caller);
        if (others.size() + 1 > groups.maxSize()) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("a group has at most " + groups.maxSize() + " members"));
        }
        List<Long> members = new ArrayList<>(others);
        Uni<Void> allExist = Uni.createFrom().voidItem();
        for (long member : members) {
            allExist = allExist.chain(() -> profiles.getExact(member)
                    .onItem().ifNull().failWith(() -> ErrorCode.NOT_FOUND.exception("no such user: " + member))
                    .replaceWithVoid());
        }
        return allExist.chain(() -> groups.create(caller, name, members))
                .map(g -> GroupResponse.newBuilder().setGroup(g).build());
    }

    @Override
    public Uni<GroupResponse> joinGroup(JoinGroupRequest request) {
        return groups.join(request.getCallerId(), request.getGroupId())
                .call(() -> chatPermissions.forgetGroup(request.getGroupId()))
                .map(g -> GroupResponse.newBuilder().setGroup(g).build());
    }

    @Override
    public Uni<LeaveGroupResponse> leaveGroup(LeaveGroupRequest request) {
        return groups.leave(request.getCallerId(), request.getGroupId())
                .call(() -> chatPermissions.forgetGroup(request.getGroupId()))
                .replaceWith(LeaveGroupResponse.getDefaultInstance());
    }

    @Override
    public Uni<GroupResponse> updateGroup(UpdateGroupRequest request) {
        if (!isName(request.getName())) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("group name must be 1-64 characters"));
        }
        return groups.rename(request.getCallerId(), request.getGroupId(), request.getName())
                .map(g -> GroupResponse.newBuilder().setGroup(g).build());
    }

    @Override
    public Uni<RemoveMemberResponse> removeMember(RemoveMemberRequest request) {
        return groups.remove(request.getCallerId(), request.getGroupId(), request.getUserId())
                .call(() -> chatPermissions.forgetGroup(request.getGroupId()))
                .replaceWith(RemoveMemberResponse.getDefaultInstance());
    }

    @Override
    public Uni<GroupResponse> transferGroup(TransferGroupRequest request) {
        if (request.getUserId() == request.getCallerId()) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("you cannot transfer a group to yourself"));
        }
        return groups.transfer(request.getCallerId(), request.getGroupId(), request.getUserId())
                .map(g -> GroupResponse.newBuilder().setGroup(g).build());
    }

    @Override
    public Uni<GroupMembersResponse> groupMembers(GroupMembersRequest request) {
        return groups.members(request.getCallerId(), request.getGroupId())
                .map(list -> GroupMembersResponse.newBuilder().addAllMembers(list).build());
    }

    @Override
    public Uni<ListGroupsResponse> listGroups(ListGroupsRequest request) {
        return groups.list(request.getCallerId())
                .map(list -> ListGroupsResponse.newBuilder().addAllGroups(list).build());
    }

    @Override
    public Uni<GroupMemberIdsResponse> groupMemberIds(GroupMemberIdsRequest request) {
        return groups.memberIdsOrNull(request.getGroupId())
                .map(ids -> ids == null ? GroupMemberIdsResponse.newBuilder().setExists(false).build()
                        : GroupMemberIdsResponse.newBuilder().setExists(true).addAllMemberIds(ids).build());
    }
}
