package dev.tinyim.relation.friend;

import dev.tinyim.relation.profile.Profile;

/** A pending friend request from one user to another, with the asker's remark. */
public record FriendRequest(long requestId, Profile from, Profile to, String remark, long createdAt) {
}
