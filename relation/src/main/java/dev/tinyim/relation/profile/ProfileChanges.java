package dev.tinyim.relation.profile;

import dev.tinyim.shared.push.PushBus;
import dev.tinyim.shared.registry.Instance;
import dev.tinyim.shared.registry.ServiceDirectory;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Tells the gateways that a profile changed: each keeps the profiles {@code user.get} answered (the gateway's
 * {@code ProfileCopies}) and forgets the copy when it reads this from its push stream. Done after the change is
 * written and before {@code user.update} returns, so its caller (and whoever it tells) reads the new nickname
 * through any gateway. A gateway that cannot be told (Redis unreachable: logged) keeps its copy for at most its
 * {@code tinyim.gateway.profiles.ttl}.
 */
@ApplicationScoped
public class ProfileChanges {
    private static final Logger LOG = Logger.getLogger(ProfileChanges.class);

    private final ServiceDirectory directory;
    private final PushBus pushBus;

    public ProfileChanges(ServiceDirectory directory, PushBus pushBus) {
        this.directory = directory;
        this.pushBus = pushBus;
    }

    public Uni<Void> announce(long userId) {
        return directory.live("gateway")
                .chain(gateways -> pushBus.profilesChanged(gateways.stream().map(Instance::id).toList(), List.of(userId)))
                .onFailure().invoke(e -> LOG.warnf("gateways not told that the profile of %d changed: %s", userId, e.getMessage()))
                .onFailure().recoverWithNull();
    }
}
