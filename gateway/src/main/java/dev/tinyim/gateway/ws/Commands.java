package dev.tinyim.gateway.ws;

import dev.tinyim.gateway.connection.ClientConnection;
import dev.tinyim.gateway.backend.Backends;
import dev.tinyim.gateway.input.Args;
import dev.tinyim.gateway.profile.ProfileCopies;
import dev.tinyim.proto.chat.v1.*;
import dev.tinyim.proto.relation.v1.*;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.error.ProtocolException;
import dev.tinyim.shared.grpc.Retry;
import dev.tinyim.shared.wire.WireJson;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The commands of PROTOCOL.md sections 3 and 7: one table ({@link #table()}) maps each command to the service that
 * answers it, whether a call may be sent again when an instance is lost ({@link Retry}, the rules of
 * docs/protocol.md), how its data is decoded into that service's typed request (once, before any call: bad data
 * fails here with bad_request), and how the reply becomes the result's data. Authorisation is the services' (they
 * get the caller). {@code ping} and {@code auth} are answered by {@link ChatSocket}; {@code msg.send} goes through
 * {@link #send}, which the sender's send limit wraps.
 */
@ApplicationScoped
public class Commands {
    /** A request decoded from a command's data, for the calling connection. */
    @FunctionalInterface
    private interface Decoder<Q> {
        Q decode(ClientConnection c, JsonObject d);
    }

    /** One row of the table: how the command may be sent again, and how it runs for a connection. */
    record Command(String name, Retry retry, BiFunction<ClientConnection, JsonObject, Uni<JsonObject>> run) {
    }

    /** The commands outside the table: answered by {@link ChatSocket} (ping, auth) or through {@link #send}. */
    static final Set<String> OUTSIDE_THE_TABLE = Set.of("ping", "auth", "msg.send");

    private final Backends backends;
    private final ProfileCopies profiles;
    private final Map<String, Command> table;

    public Commands(Backends backends, ProfileCopies profiles) {
        this.backends = backends;
        this.profiles = profiles;
        this.table = table();
    }

    private Map<String, Command> table() {
        Map<String, Command> t = new java.util.HashMap<>();
        Retry idempotent = Retry.IDEMPOTENT;
        Retry ifNotSent = Retry.IF_NOT_SENT;
        // profiles and blocking
        add(t, new Command("user.get", idempotent, (c, d) -> {
            long userId = Args.id(d, "userId");
            return profiles.get(userId, id -> backends.relation(idempotent, s -> s.getProfile(GetProfileRequest.newBuilder()
                    .setCallerId(c.userId()).setUserId(id).build())).map(ProfileResponse::getProfile)).map(WireJson::profile);
        }));
        relation(t, "user.find", idempotent, (c, d) -> FindProfileRequest.newBuilder().setCallerId(c.userId())
                .setUsername(Args.string(d, "username")).build(), (s, q) -> s.findProfile(q), r -> WireJson.profile(r.getProfile()));
        add(t, new Command("user.update", idempotent, (c, d) -> {
            UpdateProfileRequest q = UpdateProfileRequest.newBuilder().setCallerId(c.userId()).setNickname(Args.string(d, "nickname")).build();
            return backends.relation(idempotent, s -> s.updateProfile(q))
                    .invoke(r -> profiles.forget(List.of(c.userId()))) // before the result is written (relation told the others)
                    .map(r -> WireJson.profile(r.getProfile()));
        }));
        relation(t, "user.block", idempotent, (c, d) -> BlockUserRequest.newBuilder().setCallerId(c.userId())
                .setUserId(Args.id(d, "userId")).build(), (s, q) -> s.blockUser(q), r -> new JsonObject());
        relation(t, "user.unblock", ifNotSent, (c, d) -> UnblockUserRequest.newBuilder().setCallerId(c.userId())
                .setUserId(Args.id(d, "userId")).build(), (s, q) -> s.unblockUser(q), r -> new JsonObject());
        relation(t, "user.blocked", idempotent, (c, d) -> ListBlockedRequest.newBuilder().setCallerId(c.userId()).build(),
                (s, q) -> s.listBlocked(q), r -> new JsonObject().put("users", WireJson.array(r.getUsersList(), WireJson::profile)));
        relation(t, "presence.get", idempotent, (c, d) -> GetPresenceRequest.newBuilder().setCallerId(c.userId())
                        .addAllUserIds(requiredIds(d, "userIds")).build(), (s, q) -> s.getPresence(q),
                r -> new JsonObject().put("presence", WireJson.array(r.getPresenceList(), WireJson::presence)));
        // friends
        relation(t, "friend.request", ifNotSent, (c, d) -> RequestFriendRequest.newBuilder().setCallerId(c.userId())
                        .setUserId(Args.id(d, "userId")).setRemark(Args.optionalString(d, "remark", "")).build(),
                (s, q) -> s.requestFriend(q), r -> new JsonObject().put("requestId", WireJson.id(r.getRequestId())));
        relation(t, "friend.accept", ifNotSent, (c, d) -> AcceptFriendRequest.newBuilder().setCallerId(c.userId())
                        .setRequestId(Args.id(d, "requestId")).build(), (s, q) -> s.acceptFriend(q),
                r -> new JsonObject().put("friend", WireJson.friend(r.getFriend())));
        relation(t, "friend.reject", ifNotSent, (c, d) -> RejectFriendRequest.newBuilder().setCallerId(c.userId())
                .setRequestId(Args.id(d, "requestId")).build(), (s, q) -> s.rejectFriend(q), r -> new JsonObject());
        relation(t, "friend.remove", ifNotSent, (c, d) -> RemoveFriendRequest.newBuilder().setCallerId(c.userId())
                .setUserId(Args.id(d, "userId")).build(), (s, q) -> s.removeFriend(q), r -> new JsonObject());
        relation(t, "friend.list", idempotent, (c, d) -> ListFriendsRequest.newBuilder().setCallerId(c.userId()).build(),
                (s, q) -> s.listFriends(q), r -> new JsonObject().put("friends", WireJson.array(r.getFriendsList(), WireJson::friend)));
        relation(t, "friend.requests", idempotent, (c, d) -> ListFriendRequestsRequest.newBuilder().setCallerId(c.userId()).build(),
                (s, q) -> s.listFriendRequests(q), r -> new JsonObject().put("incoming", WireJson.array(r.getIncomingList(), WireJson::request))
                        .put("outgoing", WireJson.array(r.getOutgoingList(), WireJson::request)));
        // groups
        relation(t, "group.create", ifNotSent, (c, d) -> CreateGroupRequest.newBuilder().setCallerId(c.userId())
                        .setName(Args.string(d, "name")).addAllMemberIds(Args.ids(d, "memberIds")).build(),
                (s, q) -> s.createGroup(q), r -> new JsonObject().put("group", WireJson.group(r.getGroup())));
        relation(t, "group.join", ifNotSent, (c, d) -> JoinGroupRequest.newBuilder().setCallerId(c.userId())
                        .setGroupId(Args.id(d, "groupId")).build(), (s, q) -> s.joinGroup(q),
                r -> new JsonObject().put("group", WireJson.group(r.getGroup())));
        relation(t, "group.leave", ifNotSent, (c, d) -> LeaveGroupRequest.newBuilder().setCallerId(c.userId())
                .setGroupId(Args.id(d, "groupId")).build(), (s, q) -> s.leaveGroup(q), r -> new JsonObject());
        relation(t, "group.update", idempotent, (c, d) -> UpdateGroupRequest.newBuilder().setCallerId(c.userId())
                        .setGroupId(Args.id(d, "groupId")).setName(Args.string(d, "name")).build(), (s, q) -> s.updateGroup(q),
                r -> new JsonObject().put("group", WireJson.group(r.getGroup())));
        relation(t, "group.remove", ifNotSent, (c, d) -> RemoveMemberRequest.newBuilder().setCallerId(c.userId())
                        .setGroupId(Args.id(d, "groupId")).setUserId(Args.id(d, "userId")).build(), (s, q) -> s.removeMember(q),
                r -> new JsonObject());
        relation(t, "group.transfer", ifNotSent, (c, d) -> TransferGroupRequest.newBuilder().setCallerId(c.userId())
                        .setGroupId(Args.id(d, "groupId")).setUserId(Args.id(d, "userId")).build(), (s, q) -> s.transferGroup(q),
                r -> new JsonObject().put("group", WireJson.group(r.getGroup())));
        relation(t, "group.members", idempotent, (c, d) -> GroupMembersRequest.newBuilder().setCallerId(c.userId())
                        .setGroupId(Args.id(d, "groupId")).build(), (s, q) -> s.groupMembers(q),
                r -> new JsonObject().put("members", WireJson.array(r.getMembersList(), WireJson::profile)));
        relation(t, "group.list", idempotent, (c, d) -> ListGroupsRequest.newBuilder().setCallerId(c.userId()).build(),
                (s, q) -> s.listGroups(q), r -> new JsonObject().put("groups", WireJson.array(r.getGroupsList(), WireJson::group)));
        // messages and conversations
        chat(t, "msg.sync", idempotent, (c, d) -> SyncRequest.newBuilder().setCallerId(c.userId())
                        .setAfterSeq(Args.number(d, "afterSeq", 0)).setLimit(Args.limit(d, 100)).build(), (s, q) -> s.sync(q),
                r -> new JsonObject().put("messages", WireJson.array(r.getMessagesList(), WireJson::message))
                        .put("maxSeq", r.getMaxSeq()).put("hasMore", r.getHasMore()));
        chat(t, "msg.history", idempotent, (c, d) -> HistoryRequest.newBuilder().setCallerId(c.userId())
                        .setConversationId(Args.string(d, "conversationId")).setBeforeSeq(Args.number(d, "beforeSeq", 0))
                        .setLimit(Args.limit(d, 50)).build(), (s, q) -> s.history(q),
                r -> new JsonObject().put("messages", WireJson.array(r.getMessagesList(), WireJson::message)).put("hasMore", r.getHasMore()));
        chat(t, "msg.ack", idempotent, (c, d) -> AckRequest.newBuilder().setCallerId(c.userId()).setDeviceType(c.deviceType())
                .setSeq(requiredNumber(d, "seq")).build(), (s, q) -> s.ack(q), r -> new JsonObject().put("ackedSeq", r.getAckedSeq()));
        chat(t, "msg.recall", idempotent, (c, d) -> RecallRequest.newBuilder().setCallerId(c.userId())
                .setMsgId(Args.id(d, "msgId")).build(), (s, q) -> s.recall(q), r -> new JsonObject());
        chat(t, "msg.edit", idempotent, (c, d) -> EditRequest.newBuilder().setCallerId(c.userId())
                        .setMsgId(Args.id(d, "msgId")).setText(Args.string(d, "text")).build(), (s, q) -> s.edit(q),
                r -> new JsonObject().put("editedAt", r.getEditedAt()));
        chat(t, "conv.list", idempotent, (c, d) -> ListConversationsRequest.newBuilder().setCallerId(c.userId())
                        .setLimit(Args.limit(d, 100)).build(), (s, q) -> s.listConversations(q),
                r -> new JsonObject().put("conversations", WireJson.array(r.getConversationsList(), WireJson::conversation)));
        chat(t, "conv.read", idempotent, (c, d) -> ReadConversationRequest.newBuilder().setCallerId(c.userId())
                        .setConversationId(Args.string(d, "conversationId")).setSeq(requiredNumber(d, "seq"))
                        .setCallerDeviceType(c.deviceType()).build(), (s, q) -> s.readConversation(q),
                r -> new JsonObject().put("conversationId", r.getConversationId()).put("readSeq", r.getReadSeq()).put("unread", r.getUnread()));
        chat(t, "conv.update", idempotent, Commands::conversationUpdate, (s, q) -> s.updateConversation(q),
                r -> WireJson.conversation(r.getConversation()));
        chat(t, "typing", idempotent, (c, d) -> TypingRequest.newBuilder().setCallerId(c.userId())
                .setConversationId(Args.string(d, "conversationId")).build(), (s, q) -> s.typing(q), r -> new JsonObject());
        return Map.copyOf(t);
    }

    private static void add(Map<String, Command> table, Command command) {
        if (table.put(command.name(), command) != null) {
            throw new IllegalStateException("two rows for " + command.name());
        }
    }

    private <Q, R> void relation(Map<String, Command> table, String name, Retry retry, Decoder<Q> decoder,
                                 BiFunction<MutinyRelationServiceGrpc.MutinyRelationServiceStub, Q, Uni<R>> call, Function<R, JsonObject> encode) {
        row(table, name, retry, decoder, request -> backends.relation(retry, s -> call.apply(s, request)), encode);
    }

    private <Q, R> void chat(Map<String, Command> table, String name, Retry retry, Decoder<Q> decoder,
                             BiFunction<MutinyChatServiceGrpc.MutinyChatServiceStub, Q, Uni<R>> call, Function<R, JsonObject> encode) {
        row(table, name, retry, decoder, request -> backends.chat(retry, s -> call.apply(s, request)), encode);
    }

    /** A row whose data is decoded once, before {@code send} asks the service. */
    private static <Q, R> void row(Map<String, Command> table, String name, Retry retry, Decoder<Q> decoder,
                                   Function<Q, Uni<R>> send, Function<R, JsonObject> encode) {
        add(table, new Command(name, retry, (c, d) -> send.apply(decoder.decode(c, d)).map(encode)));
    }

    /** The table's row for a command ({@code null}: not in the table). */
    Command command(String type) {
        return table.get(type);
    }

    /** The names of the table's rows. */
    Set<String> tableNames() {
        return table.keySet();
    }

    /** Whether a client may send this command type at all (any other is bad_request). */
    public boolean knows(String type) {
        return table.containsKey(type) || OUTSIDE_THE_TABLE.contains(type);
    }

    /**
     * Every command of the table ({@code msg.send} goes through {@link #send}, the caller's send limit around it;
     * {@code ping} and {@code auth} are {@link ChatSocket}'s).
     */
    public Uni<JsonObject> run(ClientConnection c, String type, JsonObject d) {
        Command command = table.get(type);
        if (command == null) {
            return Uni.createFrom().failure(new ProtocolException(ErrorCode.BAD_REQUEST, "unknown command " + type));
        }
        return command.run().apply(c, d);
    }

    private static long requiredNumber(JsonObject d, String field) {
        if (d.getValue(field) == null) {
            throw Args.bad(field + " is required");
        }
        return Args.number(d, field, 0);
    }

    private static java.util.List<Long> requiredIds(JsonObject d, String field) {
        if (d.getValue(field) == null) {
            throw Args.bad(field + " is required");
        }
        return Args.ids(d, field);
    }

    private static UpdateConversationRequest conversationUpdate(ClientConnection c, JsonObject d) {
        UpdateConversationRequest.Builder request = UpdateConversationRequest.newBuilder().setCallerId(c.userId())
                .setConversationId(Args.string(d, "conversationId")).setCallerDeviceType(c.deviceType());
        Boolean muted = Args.optionalBoolean(d, "muted");
        Boolean pinned = Args.optionalBoolean(d, "pinned");
        if (muted == null && pinned == null) {
            throw Args.bad("give muted, pinned or both");
        }
        if (muted != null) {
            request.setMuted(muted);
        }
        if (pinned != null) {
            request.setPinned(pinned);
        }
        return request.build();
    }

    /** {@code msg.send}; {@code queued} is told how long chat kept the send waiting for its transaction. */
    public Uni<JsonObject> send(ClientConnection c, JsonObject d, java.util.function.IntConsumer queued) {
        JsonObject to = Args.object(d, "to");
        String toType = Args.string(to, "type");
        PeerType peerType = switch (toType) {
            case "user" -> PeerType.PEER_TYPE_USER;
            case "group" -> PeerType.PEER_TYPE_GROUP;
            default -> throw Args.bad("to.type must be user or group");
        };
        JsonObject content = Args.object(d, "content");
        if (!"text".equals(content.getValue("type"))) {
            throw Args.bad("content.type must be text");
        }
        // its length is chat's to judge (tinyim.chat.max-text-length, the one definition); the 64 KiB frame limit
        // already bounds what reaches chat
        String text = Args.string(content, "text");
        SendRequest request = SendRequest.newBuilder().setCallerId(c.userId()).setCallerDeviceType(c.deviceType())
                .setTo(Peer.newBuilder().setType(peerType).setId(Args.id(to, "id")))
                .setClientMsgId(Args.string(d, "clientMsgId")).setText(text).build();
        return backends.chatFor(c.userId(), s -> s.send(request))
                .invoke(r -> queued.accept(r.getQueuedMs()))
                .map(r -> new JsonObject().put("msgId", WireJson.id(r.getMsgId())).put("seq", r.getSeq())
                        .put("conversationId", r.getConversationId()).put("sentAt", r.getSentAt()));
    }
}
