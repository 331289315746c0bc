package dev.tinyim.relation;

import dev.tinyim.proto.relation.v1.*;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.testing.LocalInfrastructure;
import dev.tinyim.shared.testing.ServiceUnderTest;
import io.grpc.ManagedChannel;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static dev.tinyim.shared.testing.ServiceUnderTest.codeOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Relation on its own (its gRPC API in this JVM, real MariaDB primary and replica and Redis): profiles, friend
 * requests, blocks and groups, each rule with the answer PROTOCOL.md gives and the state left unchanged by a refusal.
 */
@QuarkusTest
@QuarkusTestResource(value = LocalInfrastructure.class, restrictToAnnotatedClass = true)
class RelationServiceTest {
    @jakarta.inject.Inject
    RelationConfig config;
    @jakarta.inject.Inject
    dev.tinyim.relation.store.RecentWrites recentWrites;
    @jakarta.inject.Inject
    io.micrometer.core.instrument.MeterRegistry metrics;
    @jakarta.inject.Inject
    dev.tinyim.relation.store.Pools pools;

    private ManagedChannel channel;
    private RelationServiceGrpc.RelationServiceBlockingStub relation;

    @BeforeEach
    void connect() {
        channel = ServiceUnderTest.channel();
        relation = RelationServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        ServiceUnderTest.close(channel);
    }

    /** A profile as auth makes one at registration; ids far above the accounts' so they never meet. */
    private Profile profile(String prefix) {
        long id = 8_000_000_000L + ThreadLocalRandom.current().nextLong(1_000_000_000L);
        String username = prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        return relation.createProfile(CreateProfileRequest.newBuilder().setUserId(id).setUsername(username)
                .setNickname("Nick " + prefix).build()).getProfile();
    }

    private List<Long> friendIds(long userId) {
        List<Long> ids = new ArrayList<>();
        relation.listFriends(ListFriendsRequest.newBuilder().setCallerId(userId).build()).getFriendsList()
                .forEach(f -> ids.add(f.getProfile().getUserId()));
        return ids;
    }

    private List<Long> groupIds(long userId) {
        List<Long> ids = new ArrayList<>();
        relation.listGroups(ListGroupsRequest.newBuilder().setCallerId(userId).build()).getGroupsList()
                .forEach(g -> ids.add(g.getGroupId()));
        return ids;
    }

    @Test
    void profilesAreFoundByIdAndUsernameAndOnlyValidNicknamesAreStored() {
        Profile alice = profile("alice");
        assertEquals(alice, relation.getProfile(GetProfileRequest.newBuilder().setUserId(alice.getUserId()).build()).getProfile());
        assertEquals(alice.getUserId(), relation.findProfile(FindProfileRequest.newBuilder()
                .setUsername(alice.getUsername().toUpperCase()).build()).getProfile().getUserId(), "usernames are case-insensitive");
        assertEquals("Alice 🌸", relation.updateProfile(UpdateProfileRequest.newBuilder().setCallerId(alice.getUserId())
                .setNickname("Alice 🌸").build()).getProfile().getNickname());
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> relation.updateProfile(UpdateProfileRequest.newBuilder()
                .setCallerId(alice.getUserId()).setNickname("n".repeat(65)).build())));
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> relation.updateProfile(UpdateProfileRequest.newBuilder()
                .setCallerId(alice.getUserId()).setNickname("   ").build())));
        assertEquals("Alice 🌸", relation.getProfile(GetProfileRequest.newBuilder().setUserId(alice.getUserId()).build())
                .getProfile().getNickname(), "a refused nickname changes nothing");
        assertEquals(ErrorCode.NOT_FOUND, codeOf(() -> relation.getProfile(GetProfileRequest.newBuilder().setUserId(7_999_999_999L).build())));
    }

    /**
     * Once this instance knows every write (past its first period), a profile read is kept and answered again
     * without the database; a nickname change drops the copy before it returns, so the next read shows it, and so
     * does the MarkWritten of a change another relation instance wrote.
     */
    @Test
    void aReadProfileIsKeptUntilItsNicknameChanges() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (!recentWrites.complete() && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        assertTrue(recentWrites.complete(), "past its first period (read-your-writes window + join)");
        Profile bob = profile("kept");
        GetProfileRequest get = GetProfileRequest.newBuilder().setUserId(bob.getUserId()).build();
        double hits = keptHits();
        assertEquals(bob, relation.getProfile(get).getProfile());
        assertEquals(hits, keptHits(), "the first read goes to the database");
        assertEquals(bob, relation.getProfile(get).getProfile());
        assertEquals(hits + 1, keptHits(), "the second is answered from the copy");
        relation.updateProfile(UpdateProfileRequest.newBuilder().setCallerId(bob.getUserId()).setNickname("Bob renamed").build());
        assertEquals("Bob renamed", relation.getProfile(get).getProfile().getNickname(), "the change dropped the copy");
        assertEquals(hits + 1, keptHits());
        assertEquals("Bob renamed", relation.getProfile(get).getProfile().getNickname());
        assertEquals(hits + 2, keptHits(), "the new nickname is kept");

        pools.primary().preparedQuery("UPDATE profiles SET nickname = ? WHERE user_id = ?")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of("Bob elsewhere", bob.getUserId())).await().atMost(java.time.Duration.ofSeconds(10));
        assertEquals("Bob renamed", relation.getProfile(get).getProfile().getNickname(), "a change nobody told of: the copy answers");
        relation.markWritten(MarkWrittenRequest.newBuilder().addUserIds(bob.getUserId()).build());
        assertEquals("Bob elsewhere", relation.getProfile(get).getProfile().getNickname(),
                "another instance's write, told with MarkWritten, dropped the copy");
        assertEquals(hits + 3, keptHits());
        assertEquals(ErrorCode.NOT_FOUND, codeOf(() -> relation.getProfile(GetProfileRequest.newBuilder().setUserId(7_999_999_997L).build())));
        assertEquals(ErrorCode.NOT_FOUND, codeOf(() -> relation.getProfile(GetProfileRequest.newBuilder().setUserId(7_999_999_997L).build())),
                "a user that does not exist is not kept as anything");
        assertEquals(hits + 3, keptHits());
    }

    private double keptHits() {
        return metrics.counter("tinyim.relation.profiles", "result", "hit").count();
    }

    @Test
    void onlyTheAddresseeSettlesARequestAndFriendshipIsMutual() {
        Profile a = profile("fa");
        Profile b = profile("fb");
        Profile c = profile("fc");
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> relation.requestFriend(RequestFriendRequest.newBuilder()
                .setCallerId(a.getUserId()).setUserId(a.getUserId()).build())), "nobody befriends themselves");
        assertEquals(ErrorCode.NOT_FOUND, codeOf(() -> relation.requestFriend(RequestFriendRequest.newBuilder()
                .setCallerId(a.getUserId()).setUserId(7_999_999_998L).build())));
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> relation.requestFriend(RequestFriendRequest.newBuilder()
                .setCallerId(a.getUserId()).setUserId(b.getUserId()).setRemark("r".repeat(201)).build())));

        long requestId = relation.requestFriend(RequestFriendRequest.newBuilder().setCallerId(a.getUserId())
                .setUserId(b.getUserId()).setRemark("hi").build()).getRequestId();
        assertEquals(ErrorCode.FORBIDDEN, codeOf(() -> relation.acceptFriend(AcceptFriendRequest.newBuilder()
                .setCallerId(c.getUserId()).setRequestId(requestId).build())), "a third user cannot answer it");
        assertEquals(ErrorCode.FORBIDDEN, codeOf(() -> relation.acceptFriend(AcceptFriendRequest.newBuilder()
                .setCallerId(a.getUserId()).setRequestId(requestId).build())), "nor can the asker");
        assertTrue(friendIds(a.getUserId()).isEmpty());

        Friend friend = relation.acceptFriend(AcceptFriendRequest.newBuilder().setCallerId(b.getUserId())
                .setRequestId(requestId).build()).getFriend();
        assertEquals(a.getUserId(), friend.getProfile().getUserId());
        assertEquals(List.of(b.getUserId()), friendIds(a.getUserId()));
        assertEquals(List.of(a.getUserId()), friendIds(b.getUserId()));
        assertEquals(List.of(true, true, false), relation.relationships(RelationshipsRequest.newBuilder()
                        .addPairs(UserPair.newBuilder().setUserId(a.getUserId()).setOtherId(b.getUserId()))
                        .addPairs(UserPair.newBuilder().setUserId(b.getUserId()).setOtherId(a.getUserId()))
                        .addPairs(UserPair.newBuilder().setUserId(a.getUserId()).setOtherId(c.getUserId())).build())
                .getRelationshipsList().stream().map(Relationship::getFriends).toList(), "chat sees the friendship at once, both ways");
        assertEquals(ErrorCode.CONFLICT, codeOf(() -> relation.acceptFriend(AcceptFriendRequest.newBuilder()
                .setCallerId(b.getUserId()).setRequestId(requestId).build())), "a request is settled once");
        assertEquals(ErrorCode.CONFLICT, codeOf(() -> relation.requestFriend(RequestFriendRequest.newBuilder()
                .setCallerId(b.getUserId()).setUserId(a.getUserId()).build())), "already friends");

        relation.removeFriend(RemoveFriendRequest.newBuilder().setCallerId(a.getUserId()).setUserId(b.getUserId()).build());
        assertTrue(friendIds(a.getUserId()).isEmpty());
        assertTrue(friendIds(b.getUserId()).isEmpty(), "removal ends it both ways");
        assertEquals(ErrorCode.NOT_FOUND, codeOf(() -> relation.removeFriend(RemoveFriendRequest.newBuilder()
                .setCallerId(a.getUserId()).setUserId(b.getUserId()).build())));
    }

    @Test
    void aBlockedUserCannotAskAndChatIsToldSo() {
        Profile blocker = profile("blk");
        Profile blocked = profile("bld");
        relation.blockUser(BlockUserRequest.newBuilder().setCallerId(blocker.getUserId()).setUserId(blocked.getUserId()).build());
        assertEquals(ErrorCode.FORBIDDEN, codeOf(() -> relation.requestFriend(RequestFriendRequest.newBuilder()
                .setCallerId(blocked.getUserId()).setUserId(blocker.getUserId()).build())));
        List<Relationship> seen = relation.relationships(RelationshipsRequest.newBuilder()
                .addPairs(UserPair.newBuilder().setUserId(blocked.getUserId()).setOtherId(blocker.getUserId()))
                .addPairs(UserPair.newBuilder().setUserId(blocker.getUserId()).setOtherId(blocked.getUserId()))
                .addPairs(UserPair.newBuilder().setUserId(blocker.getUserId()).setOtherId(Long.MAX_VALUE - 7))
                .build()).getRelationshipsList();
        assertEquals(3, seen.size(), "one answer per pair");
        assertTrue(seen.get(0).getOtherExists());
        assertTrue(seen.get(0).getBlocked(), "chat's question: the other blocks this user");
        assertFalse(seen.get(0).getFriends());
        assertFalse(seen.get(1).getBlocked(), "a block is one way");
        assertFalse(seen.get(2).getOtherExists(), "no such user");
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> relation.blockUser(BlockUserRequest.newBuilder()
                .setCallerId(blocker.getUserId()).setUserId(blocker.getUserId()).build())));

        relation.unblockUser(UnblockUserRequest.newBuilder().setCallerId(blocker.getUserId()).setUserId(blocked.getUserId()).build());
        assertEquals(ErrorCode.NOT_FOUND, codeOf(() -> relation.unblockUser(UnblockUserRequest.newBuilder()
                .setCallerId(blocker.getUserId()).setUserId(blocked.getUserId()).build())), "unblocked once");
        relation.requestFriend(RequestFriendRequest.newBuilder().setCallerId(blocked.getUserId()).setUserId(blocker.getUserId()).build());
    }

    @Test
    void groupsKeepTheirRulesAndARefusedChangeLeavesNoTrace() {
        Profile owner = profile("own");
        Profile member = profile("mem");
        Profile outsider = profile("out");
        List<Long> before = groupIds(owner.getUserId());
        assertEquals(ErrorCode.NOT_FOUND, codeOf(() -> relation.createGroup(CreateGroupRequest.newBuilder()
                .setCallerId(owner.getUserId()).setName("g").addMemberIds(7_999_999_997L).build())));
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> relation.createGroup(CreateGroupRequest.newBuilder()
                .setCallerId(owner.getUserId()).setName(" ").build())));
        int maxSize = config.maxGroupSize();
        CreateGroupRequest.Builder tooBig = CreateGroupRequest.newBuilder().setCallerId(owner.getUserId()).setName("big");
        for (int i = 0; i < maxSize; i++) {
            tooBig.addMemberIds(7_000_000_000L + i);
        }
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> relation.createGroup(tooBig.build())), "owner + max-size others");
        assertEquals(before, groupIds(owner.getUserId()), "refused creations made no group");

        Group group = relation.createGroup(CreateGroupRequest.newBuilder().setCallerId(owner.getUserId()).setName("team")
                .addMemberIds(member.getUserId()).addMemberIds(owner.getUserId()).build()).getGroup();
        assertEquals(2, group.getMemberCount(), "the owner is counted once");
        assertEquals(owner.getUserId(), group.getOwnerId());
        long gid = group.getGroupId();
        assertEquals(ErrorCode.FORBIDDEN, codeOf(() -> relation.groupMembers(GroupMembersRequest.newBuilder()
                .setCallerId(outsider.getUserId()).setGroupId(gid).build())));
        assertEquals(ErrorCode.FORBIDDEN, codeOf(() -> relation.leaveGroup(LeaveGroupRequest.newBuilder()
                .setCallerId(owner.getUserId()).setGroupId(gid).build())), "PROTOCOL.md 7.5: the owner transfers first");
        assertEquals(ErrorCode.BAD_REQUEST, codeOf(() -> relation.transferGroup(TransferGroupRequest.newBuilder()
                .setCallerId(owner.getUserId()).setGroupId(gid).setUserId(owner.getUserId()).build())));
        assertEquals(ErrorCode.FORBIDDEN, codeOf(() -> relation.transferGroup(TransferGroupRequest.newBuilder()
                .setCallerId(member.getUserId()).setGroupId(gid).setUserId(owner.getUserId()).build())),
                "only the owner hands a group over");

        Group handed = relation.transferGroup(TransferGroupRequest.newBuilder().setCallerId(owner.getUserId())
                .setGroupId(gid).setUserId(member.getUserId()).build()).getGroup();
        assertEquals(member.getUserId(), handed.getOwnerId());
        relation.leaveGroup(LeaveGroupRequest.newBuilder().setCallerId(owner.getUserId()).setGroupId(gid).build());
        assertEquals(List.of(member.getUserId()), relation.groupMemberIds(GroupMemberIdsRequest.newBuilder().setGroupId(gid).build())
                .getMemberIdsList());
        assertFalse(groupIds(owner.getUserId()).contains(gid));
    }
}
