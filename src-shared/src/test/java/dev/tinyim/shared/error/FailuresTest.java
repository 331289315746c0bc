package dev.tinyim.shared.error;

import io.vertx.mysqlclient.MySQLException;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which failures a client may retry ({@code unavailable}) and which are a fault of ours ({@code internal}). */
class FailuresTest {

    @Test
    void aDatabaseThatCannotWriteNowIsUnavailable() {
        // what MariaDB answers when the primary's disk is full, and a demoted (read-only) primary
        for (MySQLException e : new MySQLException[] {
                new MySQLException("The table 'timeline' is full", 1114, "HY000"),
                new MySQLException("Got error 28 \"No space left on device\" from storage engine InnoDB", 1030, "HY000"),
                new MySQLException("Error writing file './mysql-bin.000003' (Errcode: 28)", 3, "HY000"),
                new MySQLException("The MariaDB server is running with the --read-only option", 1290, "HY000")}) {
            assertTrue(Failures.cannotWriteNow(new RuntimeException("wrapped", e)), e.getMessage());
            assertEquals(ErrorCode.UNAVAILABLE, ErrorCode.of(Failures.toStatus(e)), e.getMessage());
        }
    }

    @Test
    void aRequestTheDatabaseRefusesIsNoOutage() {
        MySQLException duplicate = new MySQLException("Duplicate entry '1-a' for key 'PRIMARY'", 1062, "23000");
        assertFalse(Failures.cannotWriteNow(duplicate));
        assertFalse(Failures.unreachable(duplicate));
        assertEquals(ErrorCode.INTERNAL, ErrorCode.of(Failures.toStatus(duplicate)));
    }

    @Test
    void anUnreachableStoreIsUnavailable() {
        assertEquals(ErrorCode.UNAVAILABLE, ErrorCode.of(Failures.toStatus(new RuntimeException(new ConnectException("refused")))));
        // what the Vert.x clients raise for a connection or pool, told apart by type, whatever the words
        for (Throwable vertx : new Throwable[] {
                new io.vertx.core.VertxException("Timeout waiting for connection", true),
                new io.vertx.core.impl.NoStackTraceThrowable("Connection is closed"),
                new io.vertx.core.impl.NoStackTraceThrowable("anything at all"),
                io.vertx.sqlclient.ClosedConnectionException.INSTANCE}) {
            assertTrue(Failures.unreachable(new RuntimeException("wrapped", vertx)), vertx.toString());
        }
    }

    @Test
    void ourOwnFaultsAreInternalWhateverTheirWords() {
        for (Throwable ours : new Throwable[] {
                new IllegalStateException("connection closed"), new NullPointerException("timeout")}) {
            assertFalse(Failures.unreachable(ours), ours.toString());
            assertEquals(ErrorCode.INTERNAL, ErrorCode.of(Failures.toStatus(ours)));
        }
    }
}
