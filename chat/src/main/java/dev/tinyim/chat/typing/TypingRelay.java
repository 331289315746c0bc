package dev.tinyim.chat.typing;

import dev.tinyim.chat.ChatConfig;
import dev.tinyim.chat.permission.Permissions;
import dev.tinyim.chat.timeline.ConversationIds;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.push.Push;
import dev.tinyim.shared.push.PushBus;
import dev.tinyim.shared.wire.Event;
import dev.tinyim.shared.wire.WireJson;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/**
 * PROTOCOL.md 7.2: a typing notice goes to the other party of a 1:1 conversation (while the two are friends) or
 * to the group's other members (while the caller is one), to their live connections only, and is never stored.
 * The throttle is a Redis key per sender and conversation (SET NX PX), so it holds whichever chat instance the
 * gateway picks for each command.
 */
@ApplicationScoped
public class TypingRelay {
    private final Permissions permissions;
    private final PushBus pushBus;
    private final Redis redis;
    private final long intervalMillis;
    private final Counter forwarded;
    private final Counter throttled;

    public TypingRelay(Permissions permissions, PushBus pushBus, Redis redis, ChatConfig config, MeterRegistry metrics) {
        this.permissions = permissions;
        this.pushBus = pushBus;
        this.redis = redis;
        this.intervalMillis = config.typingInterval().toMillis();
        this.forwarded = metrics.counter("tinyim.chat.typing", "outcome", "forwarded");
        this.throttled = metrics.counter("tinyim.chat.typing", "outcome", "throttled");
    }

    /** True when forwarded, false when throttled or dropped; fails with bad_request or forbidden. */
    public Uni<Boolean> typing(long caller, String conversationId) {
        ConversationIds.Parsed parsed = ConversationIds.parse(conversationId);
        return recipients(caller, parsed).chain(recipients -> {
            if (recipients.isEmpty()) {
                return Uni.createFrom().item(false); // the other party blocks the caller, or a group of one
            }
            return claim(caller, conversationId).chain(claimed -> {
                if (!claimed) {
                    throttled.increment();
                    return Uni.createFrom().item(false);
                }
                forwarded.increment();
                String frame = WireJson.event(Event.TYPING, new JsonObject().put("conversationId", conversationId)
                        .put("userId", WireJson.id(caller)));
                // in a group, members who block the caller get nothing (asked only for a forwarded event)
                Uni<List<Long>> to = parsed.isGroup()
                        ? permissions.blockersOf(caller).map(blockers -> recipients.stream().filter(m -> !blockers.contains(m)).toList())
                        : Uni.createFrom().item(recipients);
                return to.chain(users -> pushBus.publish(users, user -> List.of(Push.toUser(user, frame)))).replaceWith(true);
            });
        });
    }

    /** Who may get the event; none when the other party blocks the caller (dropped, PROTOCOL.md 7.6). */
    private Uni<List<Long>> recipients(long caller, ConversationIds.Parsed parsed) {
        if (!parsed.isGroup()) {
            if (!parsed.involves(caller)) {
                return Uni.createFrom().failure(ErrorCode.FORBIDDEN.exception("not your conversation"));
            }
            long other = parsed.peerOf(caller).id();
            return permissions.direct(caller, other).map(d -> switch (d) {
                case ALLOWED -> List.of(other);
                case BLOCKED -> List.<Long>of();
                case NOT_FRIENDS -> throw ErrorCode.FORBIDDEN.exception("you are no longer friends");
                case NO_SUCH_USER -> throw ErrorCode.FORBIDDEN.exception("not your conversation");
            });
        }
        return permissions.members(parsed.first())
                .onFailure().transform(f -> ErrorCode.of(f) == ErrorCode.NOT_FOUND
                        ? ErrorCode.FORBIDDEN.exception("not a member of this group") : f)
                .map(members -> {
                    if (!members.contains(caller)) {
                        throw ErrorCode.FORBIDDEN.exception("not a member of this group");
                    }
                    return members.stream().filter(m -> m != caller).toList();
                });
    }

    private Uni<Boolean> claim(long caller, String conversationId) {
        return redis.send(Request.cmd(Command.SET).arg("tinyim:typing:" + caller + ":" + conversationId).arg("1")
                        .arg("PX").arg(intervalMillis).arg("NX"))
                .map(reply -> reply != null && "OK".equals(reply.toString()));
    }
}
