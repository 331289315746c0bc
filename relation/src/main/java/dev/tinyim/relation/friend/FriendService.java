package dev.tinyim.relation.friend;

import dev.tinyim.relation.block.BlockStore;
import dev.tinyim.relation.chat.ChatPermissions;
import dev.tinyim.relation.notice.Notices;
import dev.tinyim.relation.profile.ProfileService;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.relation.wire.Protos;
import dev.tinyim.shared.wire.Event;
import dev.tinyim.shared.wire.WireJson;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Friend requests and friendships (PROTOCOL.md 4): who may ask whom, settling a request (only its addressee),
 * the notices to the other side, and telling chat when a friendship ends so that it stops allowing 1:1 sends.
 */
@ApplicationScoped
public class FriendService {
    private static final Logger LOG = Logger.getLogger(FriendService.class);
    public static final int MAX_REMARK_LENGTH = 200;

    private final FriendStore friends;
    private final ProfileService profiles;
    private final BlockStore blocks;
    private final ChatPermissions chatPermissions;
    private final Notices notices;

    public FriendService(FriendStore friends, ProfileService profiles, BlockStore blocks, ChatPermissions chatPermissions,
                         Notices notices) {
        this.friends = friends;
        this.profiles = profiles;
        this.blocks = blocks;
        this.chatPermissions = chatPermissions;
        this.notices = notices;
    }

    /** A new request from the caller to the target; its id. The target is told (friend.request). */
    public Uni<Long> request(long caller, long target, String remark) {
        if (target == caller) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("you cannot befriend yourself"));
        }
        if (remark.codePointCount(0, remark.length()) > MAX_REMARK_LENGTH) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("remark is longer than " + MAX_REMARK_LENGTH + " characters"));
        }
        return profiles.existing(target, "no such user")
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
                        .chain(r -> notices.toUser(target, Event.FRIEND_REQUEST, WireJson.request(Protos.request(r))))
                        .onFailure().invoke(e -> LOG.warnf("friend.request notice not pushed: %s", e.getMessage()))
                        .onFailure().recoverWithNull());
    }

    /** The caller accepts a request addressed to it: the new friend as the caller sees it; the asker is told. */
    public Uni<Friend> accept(long caller, long requestId) {
        return friends.settle(caller, requestId, true)
                .chain(settled -> Uni.combine().all()
                        .unis(friends.friend(caller, settled.fromId()), friends.friend(settled.fromId(), caller)).asTuple()
                        .call(pair -> notices.toUser(settled.fromId(), Event.FRIEND_ACCEPTED, new JsonObject()
                                .put("requestId", WireJson.id(settled.requestId()))
                                .put("friend", WireJson.friend(Protos.friend(pair.getItem2())))))
                        .map(pair -> pair.getItem1()));
    }

    /** The caller rejects a request addressed to it; the asker is told. */
    public Uni<Void> reject(long caller, long requestId) {
        return friends.settle(caller, requestId, false)
                .call(settled -> notices.toUser(settled.fromId(), Event.FRIEND_REJECTED, new JsonObject()
                        .put("requestId", WireJson.id(settled.requestId())).put("userId", WireJson.id(caller))))
                .replaceWithVoid();
    }

    /** Ends the friendship both ways; chat forgets that the two may write to each other. */
    public Uni<Void> remove(long caller, long friendId) {
        return friends.remove(caller, friendId)
                .chain(removed -> removed
                        ? chatPermissions.forgetFriendship(caller, friendId)
                        : Uni.createFrom().failure(ErrorCode.NOT_FOUND.exception("not a friend")));
    }

    public Uni<List<Friend>> list(long caller) {
        return friends.list(caller);
    }

    public Uni<FriendStore.Requests> pending(long caller) {
        return friends.pending(caller);
    }

    public Uni<Boolean> areFriends(long userId, long otherId) {
        return friends.areFriends(userId, otherId);
    }

    /** What each {@code [userId, otherId]} is to the other, as chat needs it to allow 1:1 sends; in the same order. */
    public Uni<List<FriendStore.Relationship>> relationships(List<long[]> pairs) {
        return friends.relationships(pairs);
    }
}
