package dev.tinyim.auth.grpc;

import dev.tinyim.proto.relation.v1.CreateProfileRequest;
import dev.tinyim.proto.relation.v1.MutinyRelationServiceGrpc;
import dev.tinyim.shared.grpc.BackendChannels;
import dev.tinyim.shared.grpc.Retry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Creates the public profile of a new account in the relation service. */
@ApplicationScoped
public class ProfileClient {
    private final BackendChannels backends;

    public ProfileClient(BackendChannels backends) {
        this.backends = backends;
    }

    public Uni<Void> create(long userId, String username, String nickname) {
        CreateProfileRequest request = CreateProfileRequest.newBuilder()
                .setUserId(userId).setUsername(username).setNickname(nickname).build();
        return backends.call("relation", Retry.IDEMPOTENT, MutinyRelationServiceGrpc::newMutinyStub, stub -> stub.createProfile(request))
                .replaceWithVoid();
    }
}
