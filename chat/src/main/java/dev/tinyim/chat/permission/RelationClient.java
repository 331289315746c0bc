package dev.tinyim.chat.permission;

import dev.tinyim.proto.relation.v1.BlockersRequest;
import dev.tinyim.proto.relation.v1.GroupMemberIdsRequest;
import dev.tinyim.proto.relation.v1.MutinyRelationServiceGrpc;
import dev.tinyim.proto.relation.v1.RelationshipsRequest;
import dev.tinyim.proto.relation.v1.UserPair;
import dev.tinyim.shared.grpc.BackendChannels;
import dev.tinyim.shared.grpc.Retry;
import io.grpc.Context;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import dev.tinyim.shared.batch.InFlightBatcher;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * Friendships and group members, asked of the relation service (through {@link Permissions}), answered as domain
 * outcomes.
 * <p>
 * Relationship lookups are coalesced ({@link InFlightBatcher}): while one call is under way, the lookups that
 * arrive wait and then go together in the next call (at most {@link #MAX_PAIRS}). A burst of sends from users new to chat (the first run
 * after a start: thousands of friend pairs within a second or two) thus costs relation a few statements instead
 * of three per pair, and never more than one call is waiting on relation for it.
 */
@ApplicationScoped
public class RelationClient {
    /** As many pairs as relation takes in one call (relation.proto, {@code RelationshipsRequest}). */
    static final int MAX_PAIRS = 256;

    private final BackendChannels backends;
    private final InFlightBatcher<UserPair, Relationship> lookups;

    /** What a user is to another: whether the other exists, they are friends, the other blocks the user. */
    record Relationship(boolean otherExists, boolean friends, boolean blockedByOther) {
    }

    /** A group's member ids, or none when there is no such group. */
    record Members(boolean exists, List<Long> memberIds) {
    }

    public RelationClient(BackendChannels backends, MeterRegistry metrics) {
        this.backends = backends;
        DistributionSummary batchSizes = DistributionSummary.builder("tinyim.chat.permissions.lookup.batch")
                .description("relationship lookups carried by one call to relation").register(metrics);
        this.lookups = new InFlightBatcher<>(MAX_PAIRS, 1, this::relationships, batchSizes::record);
    }

    /** What {@code userId} is to {@code otherId}, asked together with the other lookups waiting now. */
    Uni<Relationship> relationship(long userId, long otherId) {
        return lookups.submit(UserPair.newBuilder().setUserId(userId).setOtherId(otherId).build());
    }

    private Uni<List<Relationship>> relationships(List<UserPair> pairs) {
        RelationshipsRequest request = RelationshipsRequest.newBuilder().addAllPairs(pairs).build();
        // outside the gRPC context of the send that happened to start it: that send's call ends (and its context is
        // cancelled) while this call still carries the lookups of the others
        return Uni.createFrom().<List<Relationship>>emitter(answer -> Context.ROOT.run(() -> backends.call("relation",
                        Retry.IDEMPOTENT, MutinyRelationServiceGrpc::newMutinyStub, stub -> stub.relationships(request))
                .map(response -> response.getRelationshipsList().stream()
                        .map(r -> new Relationship(r.getOtherExists(), r.getFriends(), r.getBlocked())).toList())
                .subscribe().with(answer::complete, answer::fail)));
    }

    /** Who has blocked this user (PROTOCOL.md 7.6). */
    public Uni<List<Long>> blockers(long userId) {
        return backends.call("relation", Retry.IDEMPOTENT, MutinyRelationServiceGrpc::newMutinyStub, stub -> stub.blockers(
                BlockersRequest.newBuilder().setUserId(userId).build())).map(r -> r.getBlockerIdsList());
    }

    Uni<Members> groupMembers(long groupId) {
        return backends.call("relation", Retry.IDEMPOTENT, MutinyRelationServiceGrpc::newMutinyStub, stub -> stub.groupMemberIds(
                        GroupMemberIdsRequest.newBuilder().setGroupId(groupId).build()))
                .map(r -> new Members(r.getExists(), r.getMemberIdsList()));
    }
}
