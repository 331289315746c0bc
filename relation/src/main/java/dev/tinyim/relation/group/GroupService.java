package dev.tinyim.relation.group;

import dev.tinyim.relation.chat.ChatPermissions;
import dev.tinyim.relation.profile.Names;
import dev.tinyim.relation.profile.Profile;
import dev.tinyim.relation.profile.ProfileService;
import dev.tinyim.shared.error.ErrorCode;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Groups (PROTOCOL.md 4 and 7.5): creation with existing members up to the size limit, joining, leaving, and the
 * owner's rename, removal and hand-over (the store checks who may do what under the group's row lock). Every
 * change of membership tells chat to forget what it remembered of the group's members.
 */
@ApplicationScoped
public class GroupService {
    private final GroupStore groups;
    private final ProfileService profiles;
    private final ChatPermissions chatPermissions;

    public GroupService(GroupStore groups, ProfileService profiles, ChatPermissions chatPermissions) {
        this.groups = groups;
        this.profiles = profiles;
        this.chatPermissions = chatPermissions;
    }

    public Uni<Group> create(long caller, String name, List<Long> memberIds) {
        if (!Names.valid(name)) {
            return Uni.createFrom().failure(nameInvalid());
        }
        LinkedHashSet<Long> others = new LinkedHashSet<>(memberIds);
        others.remove(caller);
        if (others.size() + 1 > groups.maxSize()) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("a group has at most " + groups.maxSize() + " members"));
        }
        List<Long> members = new ArrayList<>(others);
        Uni<Void> allExist = Uni.createFrom().voidItem();
        for (long member : members) {
            allExist = allExist.chain(() -> profiles.existing(member, "no such user: " + member).replaceWithVoid());
        }
        return allExist.chain(() -> groups.create(caller, name, members));
    }

    public Uni<Group> join(long caller, long groupId) {
        return groups.join(caller, groupId).call(() -> chatPermissions.forgetGroup(groupId));
    }

    public Uni<Void> leave(long caller, long groupId) {
        return groups.leave(caller, groupId).call(() -> chatPermissions.forgetGroup(groupId));
    }

    public Uni<Group> rename(long caller, long groupId, String name) {
        if (!Names.valid(name)) {
            return Uni.createFrom().failure(nameInvalid());
        }
        return groups.rename(caller, groupId, name);
    }

    public Uni<Void> removeMember(long caller, long groupId, long userId) {
        return groups.remove(caller, groupId, userId).call(() -> chatPermissions.forgetGroup(groupId));
    }

    public Uni<Group> transfer(long caller, long groupId, long newOwnerId) {
        if (newOwnerId == caller) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("you cannot transfer a group to yourself"));
        }
        return groups.transfer(caller, groupId, newOwnerId);
    }

    public Uni<List<Profile>> members(long caller, long groupId) {
        return groups.members(caller, groupId);
    }

    public Uni<List<Group>> list(long caller) {
        return groups.list(caller);
    }

    /** The member ids, or null when there is no such group (chat's membership check). */
    public Uni<List<Long>> memberIdsOrNull(long groupId) {
        return groups.memberIdsOrNull(groupId);
    }

    private static RuntimeException nameInvalid() {
        return ErrorCode.BAD_REQUEST.exception("group name must be 1-" + Names.MAX_LENGTH + " characters");
    }
}
