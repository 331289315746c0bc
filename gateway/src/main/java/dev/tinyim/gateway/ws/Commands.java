package dev.tinyim.gateway.ws;

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
import java.util.Set;

/**
 * The commands of PROTOCOL.md section 3: reads each one's data into a typed gRPC request for the service
 * that owns it, and its reply into the result's data. Authorisation is the services' (they get the caller).
 */
@ApplicationScoped
public class Commands {
    public static final Set<String> KNOWN = Set.of("ping", "auth", "user.get", "user.find", "user.update",
            "friend.request", "friend.accept", "friend.reject", "friend.remove", "friend.list", "friend.requests",
            "group.create", "group.join", "group.leave", "group.members", "group.list",
            "msg.send", "msg.sync", "msg.history", "msg.ack", "conv.list", "conv.read",
            "typing", "conv.update", "user.block", "user.unblock", "user.blocked", "presence.get",
            "group.update", "group.remove", "group.transfer", "msg.recall", "msg.edit");

    private final Backends backends;
    private final ProfileCopies profiles;

    public Commands(Backends backends, ProfileCopies profiles) {
        this.backends = backends;
        this.profiles = profiles;
    }

    /**
     * Every command but {@code msg.send}, which goes through {@link #send} (the caller's send limit wraps it), and
     * {@code ping} (answered by {@code ChatSocket} at once, {@link Frames#pong}).
     */
    public Uni<JsonObject> run(ClientConnection c, String type, JsonObject d) {
        long me = c.userId();
        return switch (type) {
            case "user.get" -> profiles.get(Args.id(d, "userId"), id -> backends.relation(Retry.IDEMPOTENT, s -> s.getProfile(
                    GetProfileRequest.newBuilder().setCallerId(me).setUserId(id).build())).map(ProfileResponse::getProfile))
                    .map(WireJson::profile);
            case "user.find" -> backends.relation(Retry.IDEMPOTENT, s -> s.findProfile(FindProfileRequest.newBuilder().setCallerId(me)
                    .setUsername(Args.string(d, "username")).build())).map(r -> WireJson.profile(r.getProfile()));
            case "user.update" -> backends.relation(Retry.IDEMPOTENT, s -> s.updateProfile(UpdateProfileRequest.newBuilder().setCallerId(me)
                            .setNickname(Args.string(d, "nickname")).build()))
                    .invoke(r -> profiles.forget(List.of(me))) // before the result is written (relation told the others)
                    .map(r -> WireJson.profile(r.getProfile()));
            case "friend.request" -> backends.relation(Retry.IF_NOT_SENT, s -> s.requestFriend(RequestFriendRequest.newBuilder().setCallerId(me)
                            .setUserId(Args.id(d, "userId")).setRemark(Args.optionalString(d, "remark", "")).build()))
                    .map(r -> new JsonObject().put("requestId", WireJson.id(r.getRequestId())));
            case "friend.accept" -> backends.relation(Retry.IF_NOT_SENT, s -> s.acceptFriend(AcceptFriendRequest.newBuilder().setCallerId(me)
                            .setRequestId(Args.id(d, "requestId")).build()))
                    .map(r -> new JsonObject().put("friend", WireJson.friend(r.getFriend())));
            case "friend.reject" -> backends.relation(Retry.IF_NOT_SENT, s -> s.rejectFriend(RejectFriendRequest.newBuilder().setCallerId(me)
                    .setRequestId(Args.id(d, "requestId")).build())).map(r -> new JsonObject());
            case "friend.remove" -> backends.relation(Retry.IF_NOT_SENT, s -> s.removeFriend(RemoveFriendRequest.newBuilder().setCallerId(me)
                    .setUserId(Args.id(d, "userId")).build())).map(r -> new JsonObject());
            case "friend.list" -> backends.relation(Retry.IDEMPOTENT, s -> s.listFriends(ListFriendsRequest.newBuilder().setCallerId(me).build()))
                    .map(r -> new JsonObject().put("friends", WireJson.array(r.getFriendsList(), WireJson::friend)));
            case "friend.requests" -> backends.relation(Retry.IDEMPOTENT, s -> s.listFriendRequests(ListFriendRequestsRequest.newBuilder().setCallerId(me).build()))
                    .map(r -> new JsonObject().put("incoming", WireJson.array(r.getIncomingList(), WireJson::request))
                            .put("outgoing", WireJson.array(r.getOutgoingList(), WireJson::request)));
            case "group.create" -> backends.relation(Retry.IF_NOT_SENT, s -> s.createGroup(CreateGroupRequest.newBuilder().setCallerId(me)
                            .setName(Args.string(d, "name")).addAllMemberIds(Args.ids(d, "memberIds")).build()))
                    .map(r -> new JsonObject().put("group", WireJson.group(r.getGroup())));
            case "group.join" -> backends.relation(Retry.IF_NOT_SENT, s -> s.joinGroup(JoinGroupRequest.newBuilder().setCallerId(me)
                            .setGroupId(Args.id(d, "groupId")).build()))
                    .map(r -> new JsonObject().put("group", WireJson.group(r.getGroup())));
            case "group.leave" -> backends.relation(Retry.IF_NOT_SENT, s -> s.leaveGroup(LeaveGroupRequest.newBuilder().setCallerId(me)
                    .setGroupId(Args.id(d, "groupId")).build())).map(r -> new JsonObject());
            case "group.update" -> backends.relation(Retry.IDEMPOTENT, s -> s.updateGroup(UpdateGroupRequest.newBuilder().setCallerId(me)
                            .setGroupId(Args.id(d, "groupId")).setName(Args.string(d, "name")).build()))
                    .map(r -> new JsonObject().put("group", WireJson.group(r.getGroup())));
            case "group.remove" -> backends.relation(Retry.IF_NOT_SENT, s -> s.removeMember(RemoveMemberRequest.newBuilder().setCallerId(me)
                    .setGroupId(Args.id(d, "groupId")).setUserId(Args.id(d, "userId")).build())).map(r -> new JsonObject());
            case "group.transfer" -> backends.relation(Retry.IF_NOT_SENT, s -> s.transferGroup(TransferGroupRequest.newBuilder().setCallerId(me)
                            .setGroupId(Args.id(d, "groupId")).setUserId(Args.id(d, "userId")).build()))
                    .map(r -> new JsonObject().put("group", WireJson.group(r.getGroup())));
            case "group.members" -> backends.relation(Retry.IDEMPOTENT, s -> s.groupMembers(GroupMembersRequest.newBuilder().setCallerId(me)
                            .setGroupId(Args.id(d, "groupId")).build()))
                    .map(r -> new JsonObject().put("members", WireJson.array(r.getMembersList(), WireJson::profile)));
            case "group.list" -> backends.relation(Retry.IDEMPOTENT, s -> s.listGroups(ListGroupsRequest.newBuilder().setCallerId(me).build()))
                    .map(r -> new JsonObject().put("groups", WireJson.array(r.getGroupsList(), WireJson::group)));
            case "msg.sync" -> backends.chat(Retry.IDEMPOTENT, s -> s.sync(SyncRequest.newBuilder().setCallerId(me)
                            .setAfterSeq(Args.number(d, "afterSeq", 0)).setLimit(Args.limit(d, 100)).build()))
                    .map(r -> new JsonObject().put("messages", WireJson.array(r.getMessagesList(), WireJson::message))
                            .put("maxSeq", r.getMaxSeq()).put("hasMore", r.getHasMore()));
            case "msg.history" -> backends.chat(Retry.IDEMPOTENT, s -> s.history(HistoryRequest.newBuilder().setCallerId(me)
                            .setConversationId(Args.string(d, "conversationId")).setBeforeSeq(Args.number(d, "beforeSeq", 0))
                            .setLimit(Args.limit(d, 50)).build()))
                    .map(r -> new JsonObject().put("messages", WireJson.array(r.getMessagesList(), WireJson::message))
                            .put("hasMore", r.getHasMore()));
            case "msg.ack" -> backends.chat(Retry.IDEMPOTENT, s -> s.ack(AckRequest.newBuilder().setCallerId(me).setDeviceType(c.deviceType())
                            .setSeq(requiredNumber(d, "seq")).build()))
                    .map(r -> new JsonObject().put("ackedSeq", r.getAckedSeq()));
            case "conv.list" -> backends.chat(Retry.IDEMPOTENT, s -> s.listConversations(ListConversationsRequest.newBuilder().setCallerId(me)
                            .setLimit(Args.limit(d, 100)).build()))
                    .map(r -> new JsonObject().put("conversations", WireJson.array(r.getConversationsList(), WireJson::conversation)));
            case "conv.read" -> backends.chat(Retry.IDEMPOTENT, s -> s.readConversation(ReadConversationRequest.newBuilder().setCallerId(me)
                            .setConversationId(Args.string(d, "conversationId")).setSeq(requiredNumber(d, "seq"))
                            .setCallerDeviceType(c.deviceType()).build()))
                    .map(r -> new JsonObject().put("conversationId", r.getConversationId()).put("readSeq", r.getReadSeq())
                            .put("unread", r.getUnread()));
            case "user.block" -> backends.relation(Retry.IDEMPOTENT, s -> s.blockUser(BlockUserRequest.newBuilder().setCallerId(me)
                    .setUserId(Args.id(d, "userId")).build())).map(r -> new JsonObject());
            case "user.unblock" -> backends.relation(Retry.IF_NOT_SENT, s -> s.unblockUser(UnblockUserRequest.newBuilder().setCallerId(me)
                    .setUserId(Args.id(d, "userId")).build())).map(r -> new JsonObject());
            case "user.blocked" -> backends.relation(Retry.IDEMPOTENT, s -> s.listBlocked(ListBlockedRequest.newBuilder().setCallerId(me).build()))
                    .map(r -> new JsonObject().put("users", WireJson.array(r.getUsersList(), WireJson::profile)));
            case "typing" -> backends.chat(Retry.IDEMPOTENT, s -> s.typing(TypingRequest.newBuilder().setCallerId(me)
                    .setConversationId(Args.string(d, "conversationId")).build())).map(r -> new JsonObject());
            case "conv.update" -> updateConversation(c, d);
            case "msg.recall" -> backends.chat(Retry.IDEMPOTENT, s -> s.recall(RecallRequest.newBuilder().setCallerId(me)
                    .setMsgId(Args.id(d, "msgId")).build())).map(r -> new JsonObject());
            case "msg.edit" -> backends.chat(Retry.IDEMPOTENT, s -> s.edit(EditRequest.newBuilder().setCallerId(me)
                            .setMsgId(Args.id(d, "msgId")).setText(Args.string(d, "text")).build()))
                    .map(r -> new JsonObject().put("editedAt", r.getEditedAt()));
            case "presence.get" -> backends.relation(Retry.IDEMPOTENT, s -> s.getPresence(GetPresenceRequest.newBuilder().setCallerId(me)
                            .addAllUserIds(requiredIds(d, "userIds")).build()))
                    .map(r -> new JsonObject().put("presence", WireJson.array(r.getPresenceList(), WireJson::presence)));
            default -> Uni.createFrom().failure(new ProtocolException(ErrorCode.BAD_REQUEST, "unknown command " + type));
        };
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

    private Uni<JsonObject> updateConversation(ClientConnection c, JsonObject d) {
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
        return backends.chat(Retry.IDEMPOTENT, s -> s.updateConversation(request.build())).map(r -> WireJson.conversation(r.getConversation()));
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
