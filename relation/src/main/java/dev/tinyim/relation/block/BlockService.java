package dev.tinyim.relation.block;

import dev.tinyim.relation.profile.Profile;
import dev.tinyim.relation.wire.Protos;
import dev.tinyim.relation.chat.ChatPermissions;
import dev.tinyim.relation.friend.FriendService;
import dev.tinyim.relation.notice.Notices;
import dev.tinyim.relation.presence.PresenceService;
import dev.tinyim.relation.profile.ProfileService;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.wire.Event;
import dev.tinyim.shared.wire.WireJson;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Blocking (PROTOCOL.md 7.6): a blocked user cannot message the blocker or ask to be friends, and sees the
 * blocker offline (7.1); the block is silent, the blocked user is not told.
 */
@ApplicationScoped
public class BlockService {
    private static final Logger LOG = Logger.getLogger(BlockService.class);
    private final BlockStore blocks;
    private final ProfileService profiles;
    private final FriendService friends;
    private final ChatPermissions chatPermissions;
    private final PresenceService presence;
    private final Notices notices;

    public BlockService(BlockStore blocks, ProfileService profiles, FriendService friends, ChatPermissions chatPermissions,
                        PresenceService presence, Notices notices) {
        this.blocks = blocks;
        this.profiles = profiles;
        this.friends = friends;
        this.chatPermissions = chatPermissions;
        this.presence = presence;
        this.notices = notices;
    }

    public Uni<Void> block(long caller, long target) {
        if (target == caller) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("you cannot block yourself"));
        }
        return profiles.existing(target, "no such user")
                .chain(() -> blocks.block(caller, target))
                // chat remembered that the blocked user may write to the caller: it must ask again
                .call(() -> chatPermissions.forgetFriendship(caller, target));
        // 7.1: from now on the caller looks offline to the blocked user, who gets no presence event of the
        // caller's, not even this change (presence.get answers offline, never seen)
    }

    public Uni<Void> unblock(long caller, long target) {
        return blocks.unblock(caller, target)
                .invoke(lifted -> {
                    if (!lifted) {
                        throw ErrorCode.NOT_FOUND.exception("no such user, or not blocked");
                    }
                })
                .call(() -> showPresence(target, caller))
                .replaceWithVoid();
    }

    /** {@code subject}'s presence as a presence event to {@code viewer}, a friend it was hidden from until an unblock. */
    private Uni<Void> showPresence(long viewer, long subject) {
        return friends.areFriends(viewer, subject)
                .chain(areFriends -> !areFriends ? Uni.createFrom().voidItem()
                        : presence.presenceOf(List.of(subject))
                                .chain(p -> notices.toUser(viewer, Event.PRESENCE, WireJson.presence(Protos.presence(p.get(subject))))))
                .onFailure().invoke(e -> LOG.warnf("presence after an unblock not pushed: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }

    public Uni<List<Profile>> list(long caller) {
        return blocks.list(caller);
    }

    public Uni<List<Long>> blockers(long userId) {
        return blocks.blockers(userId);
    }
}
