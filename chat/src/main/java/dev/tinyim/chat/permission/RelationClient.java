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
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Friendships and group members, asked of the relation service (through {@link Permissions}), answered as domain
 * outcomes.
 * <p>
 * Relationship lookups are coalesced: while one call is under way, the lookups that arrive wait and then go
 * together in the next call (at most {@link #MAX_PAIRS}). A burst of sends from users new to chat (the first run
 * after a start: thousands of friend pairs within a second or two) thus costs relation a few statements instead
 * of three per pair, and never more than one call is waiting on relation for it.
 */
@ApplicationScoped
public class RelationClient {
    /** As many pairs as relation takes in one call (relation.proto, {@code RelationshipsRequest}). */
    static final int MAX_PAIRS = 256;

    private final BackendChannels backends;
    private final DistributionSummary batchSizes;
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private boolean calling;

    /** What a user is to another: whether the other exists, they are friends, the other blocks the user. */
    record Relationship(boolean otherExists, boolean friends, boolean blockedByOther) {
    }

    /** A group's member ids, or none when there is no such group. */
    record Members(boolean exists, List<Long> memberIds) {
    }

    private record Waiting(long userId, long otherId, UniEmitter<? super Relationship> emitter) {
    }

    public RelationClient(BackendChannels backends, MeterRegistry metrics) {
        this.backends = backends;
        this.batchSizes = DistributionSummary.builder("tinyim.chat.permissions.lookup.batch")
                .description("relationship lookups carried by one call to relation").register(metrics);
    }

    /** What {@code userId} is to {@code otherId}, asked together with the other lookups waiting now. */
    Uni<Relationship> relationship(long userId, long otherId) {
        return Uni.createFrom().emitter(emitter -> {
            synchronized (this) {
                waiting.add(new Waiting(userId, otherId, emitter));
            }
            callIfIdle();
        });
    }

    private void callIfIdle() {
        List<Waiting> batch = new ArrayList<>();
        synchronized (this) {
            if (calling || waiting.isEmpty()) {
                return;
            }
            calling = true;
            while (batch.size() < MAX_PAIRS && !waiting.isEmpty()) {
                batch.add(waiting.poll());
            }
        }
        batchSizes.record(batch.size());
        RelationshipsRequest.Builder request = RelationshipsRequest.newBuilder();
        batch.forEach(w -> request.addPairs(UserPair.newBuilder().setUserId(w.userId()).setOtherId(w.otherId())));
        // outside the gRPC context of the send that happened to start it: that send's call ends (and its context is
        // cancelled) while this call still carries the lookups of the others
        Context.ROOT.run(() -> backends.call("relation", Retry.IDEMPOTENT, MutinyRelationServiceGrpc::newMutinyStub,
                        stub -> stub.relationships(request.build()))
                .subscribe().with(response -> {
                    finished();
                    for (int i = 0; i < batch.size(); i++) {
                        if (i < response.getRelationshipsCount()) {
                            var r = response.getRelationships(i);
                            batch.get(i).emitter().complete(new Relationship(r.getOtherExists(), r.getFriends(), r.getBlocked()));
                        } else {
                            batch.get(i).emitter().fail(new IllegalStateException("relation answered fewer pairs than asked"));
                        }
                    }
                }, failure -> {
                    finished();
                    batch.forEach(w -> w.emitter().fail(failure));
                }));
    }

    private void finished() {
        synchronized (this) {
            calling = false;
        }
        callIfIdle();
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
