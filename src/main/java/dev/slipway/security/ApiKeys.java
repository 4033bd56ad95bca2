package dev.slipway.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Making and hashing API keys. */
public final class ApiKeys {

    /** Every Slipway API key starts with this, so secret scanners and the log redactor recognise one. */
    public static final String PREFIX = "slw_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {
    }

    /** A new key: {@code slw_} and 32 random bytes, URL-safe base64. */
    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The stored form of a key: hex SHA-256. */
    public static String hash(String key) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The visible start of a key, enough to tell keys apart in a list and useless to an attacker. */
    public static String visiblePrefix(String key) {
        return key.substring(0, Math.min(key.length(), PREFIX.length() + 4));
    }
}
