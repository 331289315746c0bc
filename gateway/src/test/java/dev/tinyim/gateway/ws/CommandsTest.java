package dev.tinyim.gateway.ws;

import dev.tinyim.gateway.connection.ClientConnection;
import dev.tinyim.shared.error.ErrorCode;
import dev.tinyim.shared.error.ProtocolException;
import dev.tinyim.shared.grpc.Retry;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command table: every command of PROTOCOL.md sections 3 and 7 once, with the retry class docs/protocol.md gives it. */
class CommandsTest {
    /** Backends are never reached in these tests: bad data is refused while it is decoded, before any call. */
    private final Commands commands = new Commands(null, null);

    @Test
    void everyCommandIsKnownOnceAndTheRestAreNot() {
        for (String name : Set.of("ping", "auth", "msg.send", "msg.sync", "group.transfer", "presence.get")) {
            assertTrue(commands.knows(name), name);
        }
        assertFalse(commands.knows("teleport"));
        assertEquals(30, commands.tableNames().size(), "all but ping, auth and msg.send: " + commands.tableNames());
        assertTrue(java.util.Collections.disjoint(commands.tableNames(), Commands.OUTSIDE_THE_TABLE));
        assertEquals(ErrorCode.BAD_REQUEST, ((ProtocolException) assertThrows(ProtocolException.class,
                () -> commands.run(null, "teleport", new JsonObject()).await().indefinitely())).code());
    }

    @Test
    void writesThatMustNotRunTwiceAreSentAgainOnlyWhenTheyWereNotSent() {
        Set<String> ifNotSent = Set.of("friend.request", "friend.accept", "friend.reject", "friend.remove", "group.create",
                "group.join", "group.leave", "group.remove", "group.transfer", "user.unblock");
        for (String name : commands.tableNames()) {
            Retry expected = ifNotSent.contains(name) ? Retry.IF_NOT_SENT : Retry.IDEMPOTENT;
            assertEquals(expected, commands.command(name).retry(), name);
        }
    }

    @Test
    void badDataIsRefusedBeforeAnyCall() {
        JsonObject bad = new JsonObject().put("userId", "abc").put("groupId", "x").put("msgId", -1).put("requestId", "")
                .put("conversationId", 7).put("username", 3).put("name", 4).put("nickname", 5).put("text", 6)
                .put("userIds", "no").put("seq", "no").put("afterSeq", "no").put("limit", "no");
        for (String name : commands.tableNames()) {
            if (Set.of("friend.list", "friend.requests", "group.list", "user.blocked").contains(name)) {
                continue; // no data to get wrong
            }
            ClientConnection connection = new ClientConnection(null, null, null);
            connection.authenticated(42, "web", "session");
            ProtocolException refused = assertThrows(ProtocolException.class, () -> commands.run(connection, name, bad), name);
            assertEquals(ErrorCode.BAD_REQUEST, refused.code(), name);
        }
    }
}
