package dev.slipway.crypto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.Set;

import org.jboss.logging.Logger;

/**
 * Decides where the keyring comes from: {@code SLIPWAY_ENCRYPTION_KEYS} when set; otherwise, only when this
 * process runs its own embedded PostgreSQL, a keyring file in the data directory, generated on first start.
 * An external database without a configured keyring is refused, because a key generated on one replica
 * would be unknown to the others and lost with its container.
 */
public final class KeyringSource {

    /** The file, under the data directory, that holds a generated keyring. */
    public static final String FILE_NAME = "encryption-keys";

    private static final Logger LOG = Logger.getLogger(KeyringSource.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private KeyringSource() {
    }

    /**
     * The keyring to use.
     *
     * @param configured the value of {@code slipway.encryption-keys}, if any
     * @param embedded   whether this process started the embedded PostgreSQL
     * @param dataDir    the data directory ({@code slipway.data-dir})
     */
    public static Keyring load(Optional<String> configured, boolean embedded, Path dataDir) {
        if (configured.isPresent() && !configured.get().isBlank()) {
            try {
                return Keyring.parse(configured.get());
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("SLIPWAY_ENCRYPTION_KEYS is invalid: " + e.getMessage(), e);
            }
        }
        if (!embedded) {
            throw new IllegalStateException("SLIPWAY_ENCRYPTION_KEYS is not set. With an external database every "
                    + "replica needs the same keyring: set SLIPWAY_ENCRYPTION_KEYS=<id>:<key>, where the key is "
                    + "32 random bytes in base64, for example: SLIPWAY_ENCRYPTION_KEYS=k1:$(openssl rand -base64 32)");
        }
        return loadOrGenerate(dataDir.resolve(FILE_NAME));
    }

    private static Keyring loadOrGenerate(Path file) {
        try {
            if (!Files.exists(file)) {
                generate(file);
            }
            String text = Files.readString(file, StandardCharsets.UTF_8).trim();
            try {
                return Keyring.parse(text);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("The keyring file " + file + " is invalid: " + e.getMessage(), e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read or create the keyring file " + file, e);
        }
    }

    private static void generate(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        String entry = Keyring.generateEntry("k1", new SecureRandom());
        try {
            // Created with owner-only permissions from the start, so the key is never readable by others.
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException e) {
            // Another process created it first; use its key.
            return;
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        }
        Files.writeString(file, entry + "\n", StandardCharsets.UTF_8);
        LOG.infof("No SLIPWAY_ENCRYPTION_KEYS was set, so an encryption key was generated into %s (readable by "
                + "this user only). Back it up with the database; to move to an external database, set "
                + "SLIPWAY_ENCRYPTION_KEYS to the file's content.", file.toAbsolutePath().normalize());
    }
}
