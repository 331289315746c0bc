package dev.tinyim.relation.wire;

import dev.tinyim.proto.relation.v1.Friend;
import dev.tinyim.proto.relation.v1.FriendRequest;
import dev.tinyim.proto.relation.v1.Group;
import dev.tinyim.proto.relation.v1.Presence;
import dev.tinyim.proto.relation.v1.Profile;
import dev.tinyim.proto.relation.v1.Relationship;
import dev.tinyim.relation.friend.FriendStore;

import java.util.List;
import java.util.function.Function;

/**
 * Relation's domain records as the contract's messages ({@code proto/relation.proto}): for the gRPC adapter, and
 * for the notices and presence events relation pushes (encoded by the shared {@code WireJson}).
 */
public final class Protos {
    private Protos() {
    }

    public static Profile profile(dev.tinyim.relation.profile.Profile p) {
        return Profile.newBuilder().setUserId(p.userId()).setUsername(p.username()).setNickname(p.nickname()).build();
    }

    public static Friend friend(dev.tinyim.relation.friend.Friend f) {
        return Friend.newBuilder().setProfile(profile(f.profile())).setSince(f.since()).build();
    }

    public static FriendRequest request(dev.tinyim.relation.friend.FriendRequest r) {
        return FriendRequest.newBuilder().setRequestId(r.requestId()).setFrom(profile(r.from())).setTo(profile(r.to()))
                .setRemark(r.remark()).setCreatedAt(r.createdAt()).build();
    }

    public static Group group(dev.tinyim.relation.group.Group g) {
        return Group.newBuilder().setGroupId(g.groupId()).setName(g.name()).setOwnerId(g.ownerId())
                .setMemberCount(g.memberCount()).setCreatedAt(g.createdAt()).build();
    }

    public static Presence presence(dev.tinyim.relation.presence.Presence p) {
        return Presence.newBuilder().setUserId(p.userId()).setOnline(p.online()).addAllDevices(p.devices())
                .setLastSeenAt(p.lastSeenAt()).build();
    }

    public static Relationship relationship(FriendStore.Relationship r) {
        return Relationship.newBuilder().setOtherExists(r.otherExists()).setFriends(r.friends()).setBlocked(r.blockedByOther()).build();
    }

    public static <D, P> List<P> all(List<D> items, Function<D, P> mapper) {
        return items.stream().map(mapper).toList();
    }
}
