package dev.tinyim.chat.push;

import dev.tinyim.chat.timeline.NewMessage;
import dev.tinyim.chat.timeline.StoredMessage;
import dev.tinyim.chat.timeline.Timeline;
import dev.tinyim.chat.wire.Protos;
import dev.tinyim.shared.push.Push;
import dev.tinyim.shared.push.PushBus;
import dev.tinyim.shared.wire.Event;
import dev.tinyim.shared.wire.WireJson;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code msg} event of every stored timeline entry, to each holder's connections (a sender's other devices
 * included). Best effort and bounded in time: sync is the truth (PROTOCOL.md 5.5).
 * <p>
 * Messages told in one turn of the event loop are published together, at the end of that turn: the sends that
 * one transaction stored are answered in one turn ({@code GroupCommit}), so they cost one routing lookup and one
 * append per gateway connection for the whole transaction, not per message.
 */
@ApplicationScoped
public class MessagePush {
    private static final Logger LOG = Logger.getLogger(MessagePush.class);

    /** A message just stored (not a resend), with the device type its push leaves out for the sender. */
    private record Written(NewMessage message, Timeline.Appended appended, String senderDevice) {
    }

    private final PushBus pushBus;
    private final Vertx vertx;
    private List<Written> pending = new ArrayList<>();
    private boolean flushScheduled;

    public MessagePush(PushBus pushBus, Vertx vertx) {
        this.pushBus = pushBus;
        this.vertx = vertx;
    }

    /** A stored message (a send, a system message), to every holder; {@code senderDevice} is left out for the sender. */
    public void message(NewMessage message, Timeline.Appended appended, String senderDevice) {
        boolean schedule;
        synchronized (this) {
            pending.add(new Written(message, appended, senderDevice));
            schedule = !flushScheduled;
            flushScheduled = true;
        }
        if (schedule) {
            Context context = Vertx.currentContext();
            if (context != null) {
                context.runOnContext(ignored -> flush()); // after the rest of this turn has told its messages
            } else {
                vertx.runOnContext(ignored -> flush());
            }
        }
    }

    /** Timeline entries that are not sends (recall, edit: PROTOCOL.md 7.4), each user's at its seq, to all their devices. */
    public void entries(Map<Long, StoredMessage> byUser) {
        pushBus.publish(byUser.keySet(), user -> List.of(Push.toUser(user, WireJson.event(Event.MSG, WireJson.message(Protos.message(byUser.get(user)))))))
                .subscribe().with(ok -> { }, e -> LOG.warnf("%d entries not pushed: %s", byUser.size(), e.toString()));
    }

    private void flush() {
        List<Written> written;
        synchronized (this) {
            written = pending;
            pending = new ArrayList<>();
            flushScheduled = false;
        }
        if (written.isEmpty()) {
            return;
        }
        Map<Long, List<Written>> byUser = new HashMap<>();
        for (Written w : written) {
            for (long user : w.appended().seqs().keySet()) {
                byUser.computeIfAbsent(user, u -> new ArrayList<>(1)).add(w);
            }
        }
        pushBus.publish(byUser.keySet(), user -> {
                    List<Push> pushes = new ArrayList<>();
                    for (Written w : byUser.get(user)) {
                        var appended = w.appended();
                        String frame = WireJson.event(Event.MSG, WireJson.message(Protos.message(
                                w.message().at(appended.msgId(), appended.seqs().get(user), appended.sentAt()))));
                        pushes.add(user == w.message().senderId() && !w.senderDevice().isEmpty()
                                ? Push.toOtherDevices(user, w.senderDevice(), frame) : Push.toUser(user, frame));
                    }
                    return pushes;
                })
                .subscribe().with(ok -> { }, e -> LOG.warnf("%d messages not pushed: %s", written.size(), e.toString()));
    }
}
