package dev.slipway.crypto;

import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.slipway.platform.EmbeddedPostgres;
import dev.slipway.platform.SlipwayConfig;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;

/**
 * The application's {@link SecretBox}, built from the configured (or, embedded, generated) keyring. Loaded
 * at start, so a missing or broken keyring stops Slipway before it serves anything.
 */
@ApplicationScoped
public class Encryption {

    private final SlipwayConfig config;
    private volatile SecretBox box;

    public Encryption(SlipwayConfig config) {
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        SecretBox loaded = box();
        Log.infof("Secrets are encrypted with key '%s' (%d key(s) in the keyring)", loaded.keyring().primaryId(),
                loaded.keyring().ids().size());
    }

    /** The box of the current keyring. */
    public SecretBox box() {
        SecretBox b = box;
        if (b == null) {
            synchronized (this) {
                if (box == null) {
                    // Asked after Flyway ran, so the embedded server (if any) has started by now.
                    box = new SecretBox(KeyringSource.load(config.encryptionKeys(), EmbeddedPostgres.running(),
                            Path.of(config.dataDir())));
                }
                b = box;
            }
        }
        return b;
    }

    /** Encrypts a secret of the record {@code context} under the primary key. */
    public String seal(String plaintext, SecretContext context) {
        return box().seal(plaintext, context);
    }

    /** A keyed fingerprint of {@code data} under the current keyring (see {@link SecretBox#fingerprint}). */
    public String fingerprint(String purpose, byte[] data) {
        return box().fingerprint(purpose, data);
    }

    /** Decrypts a stored secret of the record {@code context}. */
    public String open(String stored, SecretContext context) {
        return box().open(stored, context);
    }
}
