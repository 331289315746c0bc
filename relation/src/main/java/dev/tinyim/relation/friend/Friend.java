package dev.tinyim.relation.friend;

import dev.tinyim.relation.profile.Profile;

/** A friend as one side of the friendship sees the other: their profile and since when (epoch ms). */
public record Friend(Profile profile, long since) {
}
