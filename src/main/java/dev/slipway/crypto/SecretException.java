package dev.slipway.crypto;

/** A stored secret that cannot be decrypted: tampered with, moved, or under a key that is not configured. */
public class SecretException extends RuntimeException {

    public SecretException(String message) {
        super(message, null, false, false);
    }
}
