package dev.tinyim.gateway.session;

import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.jwt.JsonWebToken;

import java.util.Optional;
import java.util.Set;

/**
 * Verifies session tokens locally: RS256 signature with auth's public key (so "none" and HS256 are refused),
 * issuer, expiry, and the claims TinyIM needs. Whether the session is still current is asked of auth.
 */
@ApplicationScoped
public class TokenVerifier {
    private static final Set<String> DEVICE_TYPES = Set.of("web", "desktop", "mobile", "tablet");

    private final JWTParser parser;

    public TokenVerifier(JWTParser parser) {
        this.parser = parser;
    }

    public record Claims(long userId, String deviceType, String sessionId) {
    }

    public Optional<Claims> verify(String token) {
        if (token == null || token.isBlank() || token.length() > 4096) {
            return Optional.empty();
        }
        try {
            JsonWebToken jwt = parser.parse(token);
            long userId = Long.parseLong(jwt.getSubject());
            String deviceType = jwt.getClaim("dt");
            String sessionId = jwt.getClaim("sid");
            if (userId <= 0 || deviceType == null || !DEVICE_TYPES.contains(deviceType) || sessionId == null) {
                return Optional.empty();
            }
            return Optional.of(new Claims(userId, deviceType, sessionId));
        } catch (ParseException | RuntimeException e) {
            return Optional.empty();
        }
    }

    public static String bearer(String header) {
        if (header == null) {
            return null;
        }
        String h = header.trim();
        return h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : null;
    }
}
