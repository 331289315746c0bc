package dev.tinyim.relation.profile;

import dev.tinyim.relation.RelationConfig;
import dev.tinyim.relation.store.Pools;
import dev.tinyim.relation.store.RecentWrites;
import dev.tinyim.relation.store.Rows;
import dev.tinyim.shared.cache.KeptCopies;
import dev.tinyim.shared.error.ErrorCode;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Locale;

/**
 * Public profiles: user id, username, nickname.
 * <p>
 * The profiles {@link #get} read are kept ({@link KeptCopies}), so a {@code user.get} that a gateway could not
 * answer from its own copies costs no database read here (each gateway reads a profile once; a restarted one
 * reads them all again). A profile changes only by {@link #updateNickname}, and every write about a user is marked
 * on every relation instance before its command returns ({@link RecentWrites}); marking a user drops the copy
 * here, and a read under way then is not kept. An instance keeps nothing in its first period, while it cannot
 * know every write ({@link RecentWrites#complete}). Copies lapse after {@code tinyim.relation.profiles.ttl}, the
 * safety net for an instance that was not told of a change.
 */
@ApplicationScoped
public class ProfileStore {
    private static final String COLUMNS = "user_id, username, nickname";

    private final Pools pools;
    private final RecentWrites recent;
    private final KeptCopies<Profile> kept;

    public ProfileStore(Pools pools, RecentWrites recent, RelationConfig config, MeterRegistry metrics) {
        this.pools = pools;
        this.recent = recent;
        this.kept = new KeptCopies<>("tinyim.relation.profiles", config.profiles().ttl().toMillis(),
                config.profiles().maxEntries(), System::currentTimeMillis, metrics);
        recent.whenUsersMarked(kept::forget);
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
        // kept only once this instance knows every write (past its first period)
        return kept.get(userId, this::read, recent::complete).chain(ProfileStore::found);
    }

    private Uni<Profile> read(long userId) {
        return pools.read(pool -> pool.preparedQuery("SELECT " + COLUMNS + " FROM profiles WHERE user_id = ?")
                        .execute(Tuple.of(userId)), RecentWrites.user(userId))
                .map(rows -> Rows.first(rows, row -> Rows.profile(row, "")));
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
