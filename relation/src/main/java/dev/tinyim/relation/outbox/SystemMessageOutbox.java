package dev.tinyim.relation.outbox;

import dev.tinyim.proto.chat.v1.MutinyChatServiceGrpc;
import dev.tinyim.proto.chat.v1.PostSystemMessageRequest;
import dev.tinyim.shared.grpc.BackendChannels;
import dev.tinyim.shared.grpc.Retry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * Transactional outbox for group system messages (member_joined, member_left, member_removed, group_renamed,
 * owner_changed). Rows are written in the
 * membership transaction and handed to chat in id order, each idempotent on its row id, then deleted.
 * A timer retries whatever a crash or an outage left behind.
 */
@ApplicationScoped
public class SystemMessageOutbox {
    private static final Logger LOG = Logger.getLogger(SystemMessageOutbox.class);

    private final Pool primary;
    private final BackendChannels backends;
    private final Vertx vertx;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();

    public SystemMessageOutbox(Pool primary, BackendChannels backends, Vertx vertx) {
        this.primary = primary;
        this.backends = backends;
        this.vertx = vertx;
    }

    void onStart(@Observes StartupEvent event) {
        vertx.setPeriodic(1000, ignored -> drainSoon());
    }

    public Uni<Void> add(SqlConnection tx, long groupId, String event, long userId, List<Long> recipients) {
        return add(tx, groupId, event, userId, recipients, "");
    }

    /** {@code detail}: what the event carries besides its user (group_renamed: the new name). */
    public Uni<Void> add(SqlConnection tx, long groupId, String event, long userId, List<Long> recipients, String detail) {
        String members = recipients.stream().map(String::valueOf).collect(Collectors.joining(","));
        return tx.preparedQuery("INSERT INTO relation_outbox (group_id, event, user_id, member_ids, detail, created_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?)")
                .execute(Tuple.of(groupId, event, userId, members, detail).addValue(System.currentTimeMillis()))
                .replaceWithVoid();
    }

    public void drainSoon() {
        if (!draining.compareAndSet(false, true)) {
            again.set(true);
            return;
        }
        again.set(false);
        drain().subscribe().with(
                delivered -> finish(),
                failure -> {
                    LOG.debugf("outbox drain stopped: %s", failure.getMessage());
                    draining.set(false);
                });
    }

    private void finish() {
        draining.set(false);
        if (again.get()) {
            drainSoon();
        }
    }

    private Uni<Void> drain() {
        return primary.query("SELECT id, group_id, event, user_id, member_ids, detail FROM relation_outbox ORDER BY id LIMIT 200")
                .execute()
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().voidItem();
                    }
                    List<Row> pending = new java.util.ArrayList<>();
                    rows.forEach(pending::add);
                    return Multi.createFrom().iterable(pending)
                            .onItem().transformToUniAndConcatenate(this::deliver)
                            .collect().last()
                            .chain(() -> pending.size() == 200 ? drain() : Uni.createFrom().voidItem());
                });
    }

    private Uni<Void> deliver(Row row) {
        long id = row.getLong("id");
        List<Long> members = Arrays.stream(row.getString("member_ids").split(","))
                .filter(s -> !s.isEmpty()).map(Long::valueOf).toList();
        PostSystemMessageRequest request = PostSystemMessageRequest.newBuilder()
                .setGroupId(row.getLong("group_id")).setEvent(row.getString("event")).setUserId(row.getLong("user_id"))
                .setEventId("relation-outbox-" + id).addAllMemberIds(members).setName(row.getString("detail")).build();
        return backends.call("chat", Retry.IDEMPOTENT, MutinyChatServiceGrpc::newMutinyStub, stub -> stub.postSystemMessage(request))
                .chain(() -> primary.preparedQuery("DELETE FROM relation_outbox WHERE id = ?").execute(Tuple.of(id)))
                .replaceWithVoid();
    }
}
