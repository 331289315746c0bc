package dev.tinyim.auth.session;

import dev.tinyim.auth.AuthConfig;
import io.smallrye.jwt.build.Jwt;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;

/** Signs RS256 session tokens: subject = user id, plus device type ("dt") and session id ("sid"). */
@ApplicationScoped
public class TokenIssuer {
    private final AuthConfig config;

    public TokenIssuer(AuthConfig config) {
        this.config = config;
    }

    public record Token(String jwt, long expiresAtMillis) {
    }

    public long expiryFromNow() {
        return Instant.now().plus(config.tokenTtl()).toEpochMilli();
    }

    public Token issue(long userId, String deviceType, String sessionId, long expiresAtMillis) {
        String jwt = Jwt.issuer(config.issuer())
                .subject(Long.toString(userId))
                .claim("dt", deviceType)
                .claim("sid", sessionId)
                .issuedAt(Instant.now())
                .expiresAt(expiresAtMillis / 1000)
                .jws().algorithm(io.smallrye.jwt.algorithm.SignatureAlgorithm.RS256)
                .sign();
        return new Token(jwt, (expiresAtMillis / 1000) * 1000);
    }
}
