package dev.tinyim.chat.permission;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Relation as chat's tests want it, in place of {@link RelationClient}'s gRPC calls (install it with
 * {@code QuarkusMock.installMockForType(stub, RelationClient.class)}): users exist, friendships and groups are
 * what the test says.
 */
public final class StubRelation extends RelationClient {
    private final Set<List<Long>> friends = ConcurrentHashMap.newKeySet();
    private final Map<Long, List<Long>> groups = new ConcurrentHashMap<>();

    public StubRelation() {
        super(null, new SimpleMeterRegistry());
    }

    public StubRelation friends(long a, long b) {
        friends.add(List.of(a, b));
        friends.add(List.of(b, a));
        return this;
    }

    /** A group and its members (sorted, as relation answers them). */
    public StubRelation group(long groupId, List<Long> members) {
        groups.put(groupId, members.stream().sorted().toList());
        return this;
    }

    @Override
    Uni<Relationship> relationship(long userId, long otherId) {
        return Uni.createFrom().item(new Relationship(true, friends.contains(List.of(userId, otherId)), false));
    }

    @Override
    Uni<Members> groupMembers(long groupId) {
        List<Long> members = groups.get(groupId);
        return Uni.createFrom().item(members == null ? new Members(false, List.of()) : new Members(true, members));
    }

    @Override
    public Uni<List<Long>> blockers(long userId) {
        return Uni.createFrom().item(List.of());
    }
}
