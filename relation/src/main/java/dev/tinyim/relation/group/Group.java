package dev.tinyim.relation.group;

/** A group as its members see it: name, owner, how many members, when it was created (epoch ms). */
public record Group(long groupId, String name, long ownerId, int memberCount, long createdAt) {
    public Group withName(String newName) {
        return new Group(groupId, newName, ownerId, memberCount, createdAt);
    }

    public Group withOwner(long newOwnerId) {
        return new Group(groupId, name, newOwnerId, memberCount, createdAt);
    }

    public Group withMemberCount(int count) {
        return new Group(groupId, name, ownerId, count, createdAt);
    }
}
