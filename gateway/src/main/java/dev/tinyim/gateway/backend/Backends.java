package dev.tinyim.gateway.backend;

import dev.tinyim.proto.auth.v1.MutinyAuthServiceGrpc;
import dev.tinyim.proto.chat.v1.MutinyChatServiceGrpc;
import dev.tinyim.proto.relation.v1.MutinyRelationServiceGrpc;
import dev.tinyim.shared.grpc.BackendChannels;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.function.Function;

/** The gateway's gRPC stubs for auth, relation and chat, balanced over the registry's instances,
 * each call with the configured deadline. */
@ApplicationScoped
public class Backends {
    private final BackendChannels channels;

    public Backends(BackendChannels channels) {
        this.channels = channels;
    }

    public <T> Uni<T> auth(Function<MutinyAuthServiceGrpc.MutinyAuthServiceStub, Uni<T>> call) {
        return channels.call("auth", MutinyAuthServiceGrpc::newMutinyStub, call);
    }

    public <T> Uni<T> relation(Function<MutinyRelationServiceGrpc.MutinyRelationServiceStub, Uni<T>> call) {
        return channels.call("relation", MutinyRelationServiceGrpc::newMutinyStub, call);
    }

    public <T> Uni<T> chat(Function<MutinyChatServiceGrpc.MutinyChatServiceStub, Uni<T>> call) {
        return channels.call("chat", MutinyChatServiceGrpc::newMutinyStub, call);
    }

    /** A call to the chat instance that takes this sender's sends (one per sender, so they commit in order). */
    public <T> Uni<T> chatFor(long senderId, Function<MutinyChatServiceGrpc.MutinyChatServiceStub, Uni<T>> call) {
        return channels.call("chat", senderId, MutinyChatServiceGrpc::newMutinyStub, call);
    }
}
