package dev.tinyim.gateway.profile;

import dev.tinyim.gateway.GatewayConfig;
import dev.tinyim.proto.relation.v1.Profile;
import dev.tinyim.shared.cache.KeptCopies;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Collection;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * The profiles {@code user.get} answered, kept by this gateway, so that asking again for a profile costs no call
 * to relation (a {@code user.get} answered here costs what a {@code ping} does, docs/history/measurements.md).
 * <p>
 * A profile changes only by its owner's {@code user.update}. Relation appends the change to every gateway's push
 * stream before that command returns, and {@code PushConsumer} forgets the copy when it reads it; the gateway that
 * carried the update forgets its copy before it writes the result. So once {@code user.update} has returned, a
 * {@code user.get} through any gateway shows the new nickname (docs/protocol.md). A read under way when a forget
 * arrives is not kept ({@link KeptCopies}). When the push stream was lost (Redis restarted empty) every copy is
 * dropped; copies also lapse after {@code tinyim.gateway.profiles.ttl}, the safety net for a change relation could
 * not announce (it logs that); {@code 0} keeps nothing.
 */
@ApplicationScoped
public class ProfileCopies {
    private final KeptCopies<Profile> kept;

    @Inject
    public ProfileCopies(GatewayConfig config, MeterRegistry metrics) {
        this(config.profiles().ttl().toMillis(), config.profiles().maxEntries(), System::currentTimeMillis, metrics);
    }

    ProfileCopies(long ttlMillis, int maxEntries, LongSupplier clock, MeterRegistry metrics) {
        this.kept = new KeptCopies<>("tinyim.gateway.profiles", ttlMillis, maxEntries, clock, metrics);
    }

    /** The kept copy of this user's profile, else what {@code read} answers (kept when the user exists). */
    public Uni<Profile> get(long userId, LongFunction<Uni<Profile>> read) {
        return kept.get(userId, read, () -> true);
    }

    /** Every copy is dropped: the notices of changes may have been lost (Redis restarted empty). */
    public void forgetAll() {
        kept.forgetAll();
    }

    /** These users' profiles changed: the copies are dropped, and reads under way are not kept. */
    public void forget(Collection<Long> userIds) {
        kept.forget(userIds);
    }
}
