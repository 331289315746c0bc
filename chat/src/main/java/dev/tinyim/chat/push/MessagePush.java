package dev.tinyim.chat.push;

import dev.tinyim.chat.timeline.StoredMessage;
import dev.tinyim.chat.timeline.Timeline;
import dev.tinyim.chat.wire.Protos;
import dev.tinyim.shared.push.Push;
import dev.tinyim.shared.push.PushBus;
import dev.tinyim.shared.wire.WireJson;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code msg} event of every message a send transaction stored, to each recipient's connections (the
 * sender's other devices included): one routing lookup and one append per gateway connection for the whole
 * transaction, not per message. Best effort and bounded in time: sync is the truth (PROTOCOL.md 5.5).
 */
@ApplicationScoped
public class MessagePush {
    private static final Logger LOG = Logger.getLogger(MessagePush.class);

    private final PushBus pushBus;

    public MessagePush(PushBus pushBus) {
        this.pushBus = pushBus;
    }

    /** Timeline entries that are not sends (recall, edit: PROTOCOL.md 7.4), each user's at its seq, to all their devices. */
    public void entries(Map<Long, StoredMessage> byUser) {
        pushBus.publish(byUser.keySet(), user -> List.of(Push.toUser(user, WireJson.event("msg", WireJson.message(Protos.message(byUser.get(user)))))))
                .subscribe().with(ok -> { }, e -> LOG.warnf("%d entries not pushed: %s", byUser.size(), e.toString()));
    }

    public void published(List<Timeline.Written> written) {
        Map<Long, List<Timeline.Written>> byUser = new HashMap<>();
        for (Timeline.Written w : written) {
            for (long user : w.appended().seqs().keySet()) {
                byUser.computeIfAbsent(user, u -> new ArrayList<>(1)).add(w);
            }
        }
        pushBus.publish(byUser.keySet(), user -> {
                    List<Push> pushes = new ArrayList<>();
                    for (Timeline.Written w : byUser.get(user)) {
                        var appended = w.appended();
                        String frame = WireJson.event("msg", WireJson.message(Protos.message(
                                w.message().at(appended.msgId(), appended.seqs().get(user), appended.sentAt()))));
                        pushes.add(user == w.message().senderId() && !w.senderDevice().isEmpty()
                                ? Push.toOtherDevices(user, w.senderDevice(), frame) : Push.toUser(user, frame));
                    }
                    return pushes;
                })
                .subscribe().with(ok -> { }, e -> LOG.warnf("%d messages not pushed: %s", written.size(), e.toString()));
    }
}
