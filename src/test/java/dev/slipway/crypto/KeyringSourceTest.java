package dev.slipway.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the keyring comes from: configured, generated when embedded, refused for an external database. */
class KeyringSourceTest {

    @TempDir
    Path dataDir;

    @Test
    void anExternalDatabaseWithoutAKeyringRefusesToStartAndSaysHowToMakeAKey() {
        assertThatThrownBy(() -> KeyringSource.load(Optional.empty(), false, dataDir))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SLIPWAY_ENCRYPTION_KEYS")
                .hasMessageContaining("openssl rand -base64 32");
        assertThat(dataDir.resolve(KeyringSource.FILE_NAME)).doesNotExist();
    }

    @Test
    void embeddedModeGeneratesAnOwnerOnlyKeyFileOnceAndKeepsUsingIt() throws Exception {
        Keyring first = KeyringSource.load(Optional.empty(), true, dataDir);
        Path file = dataDir.resolve(KeyringSource.FILE_NAME);
        assertThat(file).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

        String sealed = new SecretBox(first).seal("value", new SecretContext("t", "o", "n"));
        Keyring again = KeyringSource.load(Optional.empty(), true, dataDir);
        assertThat(new SecretBox(again).open(sealed, new SecretContext("t", "o", "n"))).isEqualTo("value");
    }

    @Test
    void aConfiguredKeyringWinsAndABrokenOneStopsTheStart() {
        String key = java.util.Base64.getEncoder().encodeToString(new byte[32]);
        assertThat(KeyringSource.load(Optional.of("prod-1:" + key), false, dataDir).primaryId()).isEqualTo("prod-1");
        assertThatThrownBy(() -> KeyringSource.load(Optional.of("prod-1:abc"), true, dataDir))
                .hasMessageContaining("SLIPWAY_ENCRYPTION_KEYS is invalid");
        assertThat(dataDir.resolve(KeyringSource.FILE_NAME)).doesNotExist();
    }
}
