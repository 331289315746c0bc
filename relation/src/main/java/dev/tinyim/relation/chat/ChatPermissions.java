package dev.tinyim.relation.chat;

import dev.tinyim.proto.chat.v1.ForgetRelationsRequest;
import dev.tinyim.proto.chat.v1.MutinyChatServiceGrpc;
import dev.tinyim.proto.chat.v1.UserPair;
import dev.tinyim.shared.grpc.BackendChannels;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Chat remembers who may write to whom (friendships, group members). After a change that narrows or moves
 * that, and before the command's result returns, every chat instance is told to forget it, so the next send
 * asks again (docs/timeline.md). An instance that cannot be reached is logged; its memory lapses by itself
 * within {@code tinyim.chat.permissions.ttl}.
 */
@ApplicationScoped
public class ChatPermissions {
    private static final Logger LOG = Logger.getLogger(ChatPermissions.class);

    private final BackendChannels backends;

    public ChatPermissions(BackendChannels backends) {
        this.backends = backends;
    }

    public Uni<Void> forgetFriendship(long userId, long otherId) {
        return forget(ForgetRelationsRequest.newBuilder()
                .addPairs(UserPair.newBuilder().setUserId(userId).setOtherId(otherId)).build());
    }

    public Uni<Void> forgetGroup(long groupId) {
        return forget(ForgetRelationsRequest.newBuilder().addGroupIds(groupId).build());
    }

    private Uni<Void> forget(ForgetRelationsRequest request) {
        return backends.callEach("chat", MutinyChatServiceGrpc::newMutinyStub, stub -> stub.forgetRelations(request))
                .invoke(failed -> {
                    if (failed > 0) {
                        LOG.warnf("%d chat instance(s) did not confirm forgetting %s", failed, request.toString().replace('\n', ' '));
                    }
                })
                .onFailure().invoke(e -> LOG.warnf("chat instances not told to forget: %s", e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
