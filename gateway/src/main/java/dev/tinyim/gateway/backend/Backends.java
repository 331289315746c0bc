package dev.tinyim.gateway.backend;

import dev.tinyim.proto.auth.v1.MutinyAuthServiceGrpc;
import dev.tinyim.proto.chat.v1.MutinyChatServiceGrpc;
import dev.tinyim.proto.relation.v1.MutinyRelationServiceGrpc;
import dev.tinyim.shared.grpc.BackendChannels;
import dev.tinyim.shared.grpc.Retry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.function.Function;

/** The gateway's gRPC stubs for auth, relation and chat, balanced over the registry's instances,
 * each call with the configured deadline and sent again only as its {@link Retry} allows. */
@ApplicationScoped
public class Backends {
    private final BackendChannels channels;

    public Backends(BackendChannels channels) {
        this.channels = channels;
    }

    public <T> Uni<T> auth(Retry retry, Function<MutinyAuthServiceGrpc.MutinyAuthServiceStub, Uni<T>> call) {
        return channels.call("auth", retry, MutinyAuthServiceGrpc::newMutinyStub, call);
    }

    public <T> Uni<T> relation(Retry retry, Function<MutinyRelationServiceGrpc.MutinyRelationServiceStub, Uni<T>> call) {
        return channels.call("relation", retry, MutinyRelationServiceGrpc::newMutinyStub, call);
    }

    public <T> Uni<T> chat(Retry retry, Function<MutinyChatServiceGrpc.MutinyChatServiceStub, Uni<T>> call) {
        return channels.call("chat", retry, MutinyChatServiceGrpc::newMutinyStub, call);
    }

    /**
     * A send to the chat instance that takes this sender's sends (one per sender, so they commit in order); sent
     * again when unreachable, as a send carries its {@code clientMsgId} (PROTOCOL.md 5.1: stored once).
     */
    public <T> Uni<T> chatFor(long senderId, Function<MutinyChatServiceGrpc.MutinyChatServiceStub, Uni<T>> call) {
        return channels.call("chat", senderId, Retry.IDEMPOTENT, MutinyChatServiceGrpc::newMutinyStub, call);
    }

    /** The address of the chat instance {@link #chatFor} sends this sender's sends to now ({@code ""}: none known). */
    public String chatInstanceFor(long senderId) {
        return channels.instanceFor("chat", senderId);
    }

    /** The addresses of the chat instances known now. */
    public List<String> chatInstances() {
        return channels.instancesOf("chat");
    }
}
