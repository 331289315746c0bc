package dev.tinyim.gateway.input;

import dev.tinyim.shared.error.ProtocolException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ids as PROTOCOL.md writes them: decimal strings of positive 64-bit integers (JSON integers accepted too). */
class ArgsTest {
    @Test
    void decimalStringsAndJsonIntegersAreIds() {
        assertEquals(1L, Args.parseId("1", "userId"));
        assertEquals(Long.MAX_VALUE, Args.parseId("9223372036854775807", "userId"));
        assertEquals(42L, Args.parseId("0042", "userId"));
        assertEquals(7L, Args.parseId(7, "userId"));
        assertEquals(8_000_000_000L, Args.parseId(8_000_000_000L, "userId"));
    }

    @Test
    void anythingElseIsABadRequestNamingTheField() {
        for (Object bad : new Object[] {"", "abc", "-1", "+1", " 1", "1 ", "1e3", "1.0", "0x10", "\u0661\u0662",
                "12345678901234567890", 1.5, true, null}) {
            ProtocolException e = assertThrows(ProtocolException.class, () -> Args.parseId(bad, "userId"), String.valueOf(bad));
            assertEquals("bad_request", e.code().wire(), String.valueOf(bad));
            assertTrue(e.getMessage().contains("userId"), e.getMessage());
        }
        for (Object notPositive : new Object[] {"0", "0000", 0, -5L}) {
            assertTrue(assertThrows(ProtocolException.class, () -> Args.parseId(notPositive, "userId")).getMessage()
                    .contains("positive"), String.valueOf(notPositive));
        }
        assertTrue(assertThrows(ProtocolException.class, () -> Args.parseId("9223372036854775808", "userId")).getMessage()
                .contains("out of range"));
    }
}
