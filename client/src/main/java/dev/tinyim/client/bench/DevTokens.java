package dev.tinyim.client.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * RS256 tokens signed with a local stack's dev key ({@code .tinyim/keys/jwt-private.pem}, made by the launcher).
 * Only whoever holds the private key file can do this: it is the seeding fast path of a local stack, never a
 * production feature (production keys live in a Kubernetes Secret and no service offers minting).
 */
public final class DevTokens {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final String HEADER = B64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));

    private final PrivateKey key;

    public DevTokens(PrivateKey key) {
        this.key = key;
    }

    public static DevTokens fromPem(Path pem) throws Exception {
        String base64 = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return new DevTokens(KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64))));
    }

    /** The claims auth's TokenIssuer writes: issuer, subject = user id, device type, session id, expiry. */
    public String session(long userId, String deviceType, String sessionId, long expiresAtSeconds) {
        long now = System.currentTimeMillis() / 1000;
        return sign("{\"iss\":\"tinyim\",\"sub\":\"" + userId + "\",\"dt\":\"" + deviceType + "\",\"sid\":\"" + sessionId
                + "\",\"iat\":" + now + ",\"exp\":" + expiresAtSeconds + "}");
    }

    /** Any payload, signed: also how tests forge tokens that are correctly signed but wrong in a claim. */
    public String sign(String payloadJson) {
        try {
            String input = HEADER + "." + B64.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8));
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(key);
            signature.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + B64.encodeToString(signature.sign());
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
