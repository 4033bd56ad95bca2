package dev.slipway.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authenticated encryption of secrets with AES-256-GCM: a fresh random 96-bit nonce per value and the
 * record's identity (a {@link SecretContext}) as associated data, so a value copied onto another row does
 * not decrypt. Stored form: {@code slw:<keyId>:<base64(nonce | ciphertext | tag)>}.
 */
public final class SecretBox {

    /** Every stored secret starts with this. */
    public static final String PREFIX = "slw:";
    static final int NONCE_BYTES = 12;
    static final int TAG_BITS = 128;
    private static final String HMAC = "HmacSHA256";

    private final Keyring keyring;
    private final SecureRandom random;

    public SecretBox(Keyring keyring) {
        this(keyring, new SecureRandom());
    }

    SecretBox(Keyring keyring, SecureRandom random) {
        this.keyring = keyring;
        this.random = random;
    }

    /** The keyring in use. */
    public Keyring keyring() {
        return keyring;
    }

    /** Encrypts {@code plaintext} under the primary key for the record {@code context}. */
    public String seal(String plaintext, SecretContext context) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        byte[] sealed = encrypt(keyring.primary(), nonce, plaintext.getBytes(StandardCharsets.UTF_8),
                context.associatedData());
        byte[] stored = ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
        return PREFIX + keyring.primaryId() + ":" + Base64.getEncoder().encodeToString(stored);
    }

    /**
     * Decrypts a stored value of the record {@code context}; fails with {@link SecretException} when it was
     * changed, belongs to another record, or names a key this keyring does not have.
     */
    public String open(String stored, SecretContext context) {
        String keyId = keyIdOf(stored);
        SecretKey key = keyring.find(keyId).orElseThrow(() -> new SecretException("a secret of " + context
                + " is encrypted with key '" + keyId + "', which is not in SLIPWAY_ENCRYPTION_KEYS"));
        byte[] all;
        try {
            all = Base64.getDecoder().decode(stored.substring(PREFIX.length() + keyId.length() + 1));
        } catch (IllegalArgumentException e) {
            throw new SecretException("a secret of " + context + " is not in the stored form");
        }
        if (all.length < NONCE_BYTES + TAG_BITS / 8) {
            throw new SecretException("a secret of " + context + " is too short to be genuine");
        }
        byte[] nonce = java.util.Arrays.copyOf(all, NONCE_BYTES);
        byte[] sealed = java.util.Arrays.copyOfRange(all, NONCE_BYTES, all.length);
        return new String(decrypt(key, nonce, sealed, context.associatedData(), context), StandardCharsets.UTF_8);
    }

    /**
     * A keyed fingerprint of {@code data}: HMAC-SHA256 under a key derived from the primary key for
     * {@code purpose}, as {@code <keyId>:<base64url>}. It tells whether two inputs were equal without saying
     * anything about them; unlike a plain hash, guessing a short value and comparing needs the keyring. A new
     * primary key changes every fingerprint.
     */
    public String fingerprint(String purpose, byte[] data) {
        try {
            Mac derive = Mac.getInstance(HMAC);
            derive.init(new SecretKeySpec(keyring.primary().getEncoded(), HMAC));
            byte[] subkey = derive.doFinal(("slipway fingerprint\0" + purpose).getBytes(StandardCharsets.UTF_8));
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(subkey, HMAC));
            byte[] tag = mac.doFinal(data);
            return keyring.primaryId() + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available in this JVM", e);
        }
    }

    /** Whether a stored value is already encrypted under the primary key. */
    public boolean isCurrent(String stored) {
        return stored.startsWith(PREFIX + keyring.primaryId() + ":");
    }

    /** Decrypts with whichever key the value names and encrypts again under the primary key. */
    public String reseal(String stored, SecretContext context) {
        return seal(open(stored, context), context);
    }

    /** The key id a stored value names. */
    public static String keyIdOf(String stored) {
        if (stored == null || !stored.startsWith(PREFIX)) {
            throw new SecretException("not a stored secret (it must start with '" + PREFIX + "')");
        }
        int end = stored.indexOf(':', PREFIX.length());
        if (end < 0) {
            throw new SecretException("a stored secret has no key id");
        }
        return stored.substring(PREFIX.length(), end);
    }

    /** Raw AES-256-GCM: answers ciphertext followed by the 128-bit tag. */
    static byte[] encrypt(SecretKey key, byte[] nonce, byte[] plaintext, byte[] associatedData) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData);
            return cipher.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }

    static byte[] decrypt(SecretKey key, byte[] nonce, byte[] sealed, byte[] associatedData, Object what) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData);
            return cipher.doFinal(sealed);
        } catch (javax.crypto.AEADBadTagException e) {
            throw new SecretException("a secret of " + what
                    + " failed authentication: it was changed or belongs to another record");
        } catch (GeneralSecurityException e) {
            throw new SecretException("a secret of " + what + " could not be decrypted: "
                    + e.getClass().getSimpleName());
        }
    }

    /** A key from raw bytes, for the known-answer tests. */
    static SecretKey key(byte[] raw) {
        return new SecretKeySpec(raw, "AES");
    }
}
