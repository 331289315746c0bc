package dev.tinyim.relation.profile;

import dev.tinyim.relation.store.Pools;
import dev.tinyim.relation.store.RecentWrites;
import dev.tinyim.relation.store.Rows;
import dev.tinyim.shared.error.ErrorCode;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Locale;

/** Public profiles: user id, username, nickname. */
@ApplicationScoped
public class ProfileStore {
    private static final String COLUMNS = "user_id, username, nickname";

    private final Pools pools;

    public ProfileStore(Pools pools) {
        this.pools = pools;
    }

    public Uni<Profile> create(long userId, String username, String nickname) {
        return pools.primary().preparedQuery("""
                        INSERT INTO profiles (user_id, username, username_key, nickname, created_at) VALUES (?, ?, ?, ?, ?)
                        ON DUPLICATE KEY UPDATE nickname = nickname""")
                .execute(Tuple.of(userId, username, username.toLowerCase(Locale.ROOT), nickname, System.currentTimeMillis()))
                .chain(() -> pools.wrote(List.of(userId), List.of()))
                .replaceWith(new Profile(userId, username, nickname));
    }

    public Uni<Profile> get(long userId) {
        return pools.read(pool -> pool.preparedQuery("SELECT " + COLUMNS + " FROM profiles WHERE user_id = ?")
                        .execute(Tuple.of(userId)), RecentWrites.user(userId))
                .map(rows -> Rows.first(rows, row -> Rows.profile(row, "")))
                .chain(ProfileStore::found);
    }

    /** A profile read from the primary: for checks that must see a user registered a moment ago. */
    public Uni<Profile> getExact(long userId) {
        return pools.exactRead().preparedQuery("SELECT " + COLUMNS + " FROM profiles WHERE user_id = ?")
                .execute(Tuple.of(userId))
                .map(rows -> Rows.first(rows, row -> Rows.profile(row, "")));
    }

    public Uni<Profile> find(String username) {
        return pools.exactRead().preparedQuery("SELECT " + COLUMNS + " FROM profiles WHERE username_key = ?")
                .execute(Tuple.of(username.toLowerCase(Locale.ROOT)))
                .map(rows -> Rows.first(rows, row -> Rows.profile(row, "")))
                .chain(ProfileStore::found);
    }

    public Uni<Profile> updateNickname(long userId, String nickname) {
        return pools.primary().preparedQuery("UPDATE profiles SET nickname = ? WHERE user_id = ?")
                .execute(Tuple.of(nickname, userId))
                .chain(() -> pools.wrote(List.of(userId), List.of()))
                .chain(() -> getExact(userId))
                .chain(ProfileStore::found);
    }

    private static Uni<Profile> found(Profile profile) {
        return profile == null
                ? Uni.createFrom().failure(ErrorCode.NOT_FOUND.exception("no such user"))
                : Uni.createFrom().item(profile);
    }
}
