package dev.tinyim.auth;

import dev.tinyim.auth.account.Credentials;
import dev.tinyim.shared.error.ErrorCode;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PROTOCOL.md 3's rules for usernames, passwords, nicknames and device types, without a server. */
class CredentialsTest {

    private static void refused(String username, String password, String nickname) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> Credentials.checkRegistration(username, password, nickname));
        assertEquals(ErrorCode.BAD_REQUEST, ErrorCode.of(e));
    }

    @Test
    void usernamesAreThreeToThirtyTwoOfTheAllowedCharacters() {
        assertTrue(Credentials.validUsername("abc"));
        assertTrue(Credentials.validUsername("A_b.c-9".repeat(4)));
        assertFalse(Credentials.validUsername("ab"));
        assertFalse(Credentials.validUsername("a".repeat(33)));
        assertFalse(Credentials.validUsername("with space"));
        assertFalse(Credentials.validUsername("ünïcode"));
        refused("ab", "password1", "");
    }

    @Test
    void passwordsAreEightToOneHundredTwentyEightCharacters() {
        assertDoesNotThrow(() -> Credentials.checkRegistration("alice", "12345678", ""));
        assertDoesNotThrow(() -> Credentials.checkRegistration("alice", "p".repeat(128), ""));
        refused("alice", "1234567", "");
        refused("alice", "p".repeat(129), "");
    }

    @Test
    void nicknamesAreOneToSixtyFourCharactersNotOnlyBlanksAndEmptyMeansTheUsername() {
        assertDoesNotThrow(() -> Credentials.checkRegistration("alice", "password1", ""));
        assertDoesNotThrow(() -> Credentials.checkRegistration("alice", "password1", "😀".repeat(64)));
        refused("alice", "password1", "n".repeat(65));
        refused("alice", "password1", "   ");
    }

    @Test
    void deviceTypesAreTheFourOfTheProtocol() {
        for (String device : new String[] {"web", "desktop", "mobile", "tablet"}) {
            assertDoesNotThrow(() -> Credentials.checkDeviceType(device));
        }
        assertEquals(ErrorCode.BAD_REQUEST, ErrorCode.of(assertThrows(StatusRuntimeException.class,
                () -> Credentials.checkDeviceType("toaster"))));
    }
}
