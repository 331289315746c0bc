package dev.tinyim.auth.account;

import dev.tinyim.auth.grpc.ProfileClient;
import dev.tinyim.auth.limit.LoginLimiter;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Registration (PROTOCOL.md 3): the credentials' rules, a slow salted hash, the account and then its profile in
 * relation; an account whose profile could not be made is removed again, so that nothing is half-registered.
 */
@ApplicationScoped
public class AccountService {
    private static final Logger LOG = Logger.getLogger(AccountService.class);

    private final AccountStore accounts;
    private final PasswordHasher hasher;
    private final ProfileClient profiles;
    private final LoginLimiter limiter;

    public AccountService(AccountStore accounts, PasswordHasher hasher, ProfileClient profiles, LoginLimiter limiter) {
        this.accounts = accounts;
        this.hasher = hasher;
        this.profiles = profiles;
        this.limiter = limiter;
    }

    public record Registered(long userId, String username, String nickname) {
    }

    /** A new account; an empty nickname means the username. */
    public Uni<Registered> register(String username, String password, String nickname, String clientAddress) {
        String shown = nickname.isEmpty() ? username : nickname;
        return Uni.createFrom().voidItem()
                .invoke(() -> Credentials.checkRegistration(username, password, nickname))
                .chain(() -> hasher.hash(password))
                .chain(hash -> accounts.create(username, hash))
                .call(userId -> profiles.create(userId, username, shown)
                        .onFailure().call(e -> {
                            LOG.warnf("profile creation for user %d failed (%s); removing the account", userId, e.getMessage());
                            return accounts.delete(userId);
                        }))
                .call(userId -> limiter.trust(username, clientAddress).onFailure().recoverWithNull())
                .invoke(userId -> LOG.infof("registered user %d (%s)", userId, username))
                .map(userId -> new Registered(userId, username, shown));
    }
}
