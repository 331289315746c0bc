package dev.tinyim.auth.account;

import dev.tinyim.auth.AuthConfig;
import io.quarkus.elytron.security.common.BcryptUtil;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;

/** bcrypt (salted, slow on purpose), always on a worker thread: it would stall an event loop for ~50 ms. */
@ApplicationScoped
public class PasswordHasher {
    /** Compared against when the username is unknown, so a miss costs as much time as a wrong password. */
    private final String decoyHash;
    private final int cost;

    public PasswordHasher(AuthConfig config) {
        this.cost = config.bcryptCost();
        this.decoyHash = BcryptUtil.bcryptHash("decoy-password-never-matches", cost);
    }

    public Uni<String> hash(String password) {
        return Uni.createFrom().item(() -> BcryptUtil.bcryptHash(password, cost))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    public Uni<Boolean> matches(String password, String hashOrNull) {
        String hash = hashOrNull == null ? decoyHash : hashOrNull;
        return Uni.createFrom().item(() -> BcryptUtil.matches(password, hash) && hashOrNull != null)
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
