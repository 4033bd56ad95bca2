package dev.slipway.crypto;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The encryption keys Slipway knows, in order: the first encrypts, every one decrypts. Written as
 * {@code id:base64-of-32-bytes,id:base64-of-32-bytes,...}, which is also the form of
 * {@code SLIPWAY_ENCRYPTION_KEYS}.
 */
public final class Keyring {

    /** Key ids end up inside every stored secret, so they are short and never contain the separator. */
    public static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    /** AES-256 keys are 32 bytes. */
    public static final int KEY_BYTES = 32;

    private final List<String> order;
    private final Map<String, SecretKey> keys;

    private Keyring(List<String> order, Map<String, SecretKey> keys) {
        this.order = List.copyOf(order);
        this.keys = Map.copyOf(keys);
    }

    /**
     * Reads a keyring. The messages of its {@link IllegalArgumentException}s say which entry is wrong and
     * why, but never echo key material.
     */
    public static Keyring parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the keyring is empty; expected id:base64-of-32-bytes[,...]");
        }
        List<String> order = new ArrayList<>();
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        String[] entries = text.trim().split("\\s*,\\s*");
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i];
            int colon = entry.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("keyring entry " + (i + 1) + " has no ':' between id and key");
            }
            String id = entry.substring(0, colon).trim();
            if (!KEY_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("keyring entry " + (i + 1)
                        + " has an invalid id; use 1-32 letters, digits, '_' or '-'");
            }
            if (keys.containsKey(id)) {
                throw new IllegalArgumentException("keyring id '" + id + "' appears twice");
            }
            keys.put(id, decodeKey(id, entry.substring(colon + 1).trim()));
            order.add(id);
        }
        return new Keyring(order, keys);
    }

    /** A keyring built from raw keys, first one primary; for tests and key generation. */
    public static Keyring of(Map<String, byte[]> rawKeys) {
        List<String> order = new ArrayList<>();
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        rawKeys.forEach((id, raw) -> {
            if (!KEY_ID.matcher(id).matches() || raw.length != KEY_BYTES) {
                throw new IllegalArgumentException("key '" + id + "' needs a valid id and exactly 32 bytes");
            }
            order.add(id);
            keys.put(id, new SecretKeySpec(raw.clone(), "AES"));
        });
        if (order.isEmpty()) {
            throw new IllegalArgumentException("a keyring needs at least one key");
        }
        return new Keyring(order, keys);
    }

    /** A new random key in the keyring text form, {@code id:base64}. */
    public static String generateEntry(String id, SecureRandom random) {
        byte[] raw = new byte[KEY_BYTES];
        random.nextBytes(raw);
        return id + ":" + Base64.getEncoder().encodeToString(raw);
    }

    private static SecretKey decodeKey(String id, String base64) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("key '" + id + "' is not valid base64");
        }
        if (raw.length != KEY_BYTES) {
            throw new IllegalArgumentException("key '" + id + "' decodes to " + raw.length
                    + " bytes; AES-256 needs exactly 32 (make one with: openssl rand -base64 32)");
        }
        return new SecretKeySpec(raw, "AES");
    }

    /** The id of the key that encrypts. */
    public String primaryId() {
        return order.get(0);
    }

    SecretKey primary() {
        return keys.get(primaryId());
    }

    Optional<SecretKey> find(String id) {
        return Optional.ofNullable(keys.get(id));
    }

    /** Every key id, primary first. */
    public List<String> ids() {
        return order;
    }

    @Override
    public String toString() {
        // Never the keys themselves, should a keyring ever reach a log line.
        return "Keyring" + order;
    }
}
