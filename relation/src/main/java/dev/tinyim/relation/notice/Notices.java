package dev.tinyim.relation.notice;

import dev.tinyim.shared.push.Push;
import dev.tinyim.shared.push.PushBus;
import dev.tinyim.shared.wire.Event;
import dev.tinyim.shared.wire.WireJson;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Events pushed to a user's connections after a change has been stored (friend.request, friend.accepted, ...).
 * A push is a hint (PROTOCOL.md 6): one that fails is logged and the command still succeeds, as what it announces
 * is already stored and every list command shows it.
 */
@ApplicationScoped
public class Notices {
    private final PushBus pushBus;

    public Notices(PushBus pushBus) {
        this.pushBus = pushBus;
    }

    public Uni<Void> toUser(long userId, Event type, JsonObject data) {
        return pushBus.hint(Push.toUser(userId, WireJson.event(type, data)), type.wire() + " notice");
    }
}
