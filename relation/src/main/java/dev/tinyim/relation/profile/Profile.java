package dev.tinyim.relation.profile;

/** A user's public profile (PROTOCOL.md 4): the id, the username chosen at registration, the nickname. */
public record Profile(long userId, String username, String nickname) {
}
