package dev.tinyim.relation.profile;

import dev.tinyim.shared.error.ErrorCode;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Profiles: created by auth at registration, read by everyone, the nickname changed by its owner. */
@ApplicationScoped
public class ProfileService {
    private final ProfileStore profiles;
    private final ProfileChanges changes;

    public ProfileService(ProfileStore profiles, ProfileChanges changes) {
        this.profiles = profiles;
        this.changes = changes;
    }

    public Uni<Profile> create(long userId, String username, String nickname) {
        return profiles.create(userId, username, nickname);
    }

    public Uni<Profile> get(long userId) {
        return profiles.get(userId);
    }

    public Uni<Profile> find(String username) {
        return profiles.find(username);
    }

    public Uni<Profile> updateNickname(long callerId, String nickname) {
        if (!Names.valid(nickname)) {
            return Uni.createFrom().failure(ErrorCode.BAD_REQUEST.exception("nickname must be 1-" + Names.MAX_LENGTH + " characters"));
        }
        // the gateways forget their copies before the result goes back (ProfileChanges)
        return profiles.updateNickname(callerId, nickname).call(() -> changes.announce(callerId));
    }

    /** The profile, or a {@code not_found} failure naming the user. */
    public Uni<Profile> existing(long userId, String notFound) {
        return profiles.getExact(userId).onItem().ifNull().failWith(() -> ErrorCode.NOT_FOUND.exception(notFound));
    }
}
