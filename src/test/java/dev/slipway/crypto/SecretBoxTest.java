package dev.slipway.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** AES-256-GCM as Slipway stores secrets: published vectors, the stored form, tampering, moved values, rotation. */
class SecretBoxTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final SecretContext ROW = new SecretContext("credential", "acme-vercel", "token");

    /**
     * The AES-256 cases (13 to 16) of McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)", with
     * their 96-bit IVs: key, IV, plaintext, associated data, ciphertext, tag.
     */
    @ParameterizedTest(name = "GCM spec test case {0}")
    @CsvSource({
            "13, 0000000000000000000000000000000000000000000000000000000000000000, 000000000000000000000000, , , , 530f8afbc74536b9a963b4f1c4cb738b",
            "14, 0000000000000000000000000000000000000000000000000000000000000000, 000000000000000000000000, 00000000000000000000000000000000, , cea7403d4d606b6e074ec5d3baf39d18, d0d1c8a799996bf0265b98b5d48ab919",
            "15, feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308, cafebabefacedbaddecaf888, "
                    + "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255, , "
                    + "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad, b094dac5d93471bdec1a502270e3cc6c",
            "16, feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308, cafebabefacedbaddecaf888, "
                    + "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39, feedfacedeadbeeffeedfacedeadbeefabaddad2, "
                    + "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662, 76fc6ece0f4e1768cddf8853bb2d551b"
    })
    void publishedKnownAnswerVectors(int testCase, String key, String iv, String plaintext, String aad,
            String ciphertext, String tag) {
        byte[] p = hex(plaintext);
        byte[] a = hex(aad);
        byte[] sealed = SecretBox.encrypt(SecretBox.key(hex(key)), hex(iv), p, a);
        assertThat(HEX.formatHex(sealed)).isEqualTo(nullToEmpty(ciphertext) + tag);
        assertThat(SecretBox.decrypt(SecretBox.key(hex(key)), hex(iv), sealed, a, "test case " + testCase))
                .isEqualTo(p);
    }

    @Test
    void storedFormNamesTheKeyAndEachSealUsesAFreshNonce() {
        SecretBox box = new SecretBox(keyring("k1", 1));
        String first = box.seal("vercel_token_123456", ROW);
        String second = box.seal("vercel_token_123456", ROW);

        assertThat(first).matches("slw:k1:[A-Za-z0-9+/]+=*");
        assertThat(first).isNotEqualTo(second);
        byte[] payload = Base64.getDecoder().decode(first.substring("slw:k1:".length()));
        // 12-byte nonce, 19 bytes of ciphertext, 16-byte tag
        assertThat(payload).hasSize(12 + 19 + 16);
        assertThat(box.open(first, ROW)).isEqualTo("vercel_token_123456");
        assertThat(box.open(second, ROW)).isEqualTo("vercel_token_123456");
    }

    @Test
    void anyChangedByteFailsAuthentication() {
        SecretBox box = new SecretBox(keyring("k1", 1));
        String stored = box.seal("a secret value", ROW);
        byte[] payload = Base64.getDecoder().decode(stored.substring("slw:k1:".length()));
        for (int i = 0; i < payload.length; i++) {
            byte[] changed = payload.clone();
            changed[i] ^= 0x01;
            String tampered = "slw:k1:" + Base64.getEncoder().encodeToString(changed);
            assertThatThrownBy(() -> box.open(tampered, ROW)).isInstanceOf(SecretException.class)
                    .hasMessageContaining("failed authentication");
        }
    }

    @Test
    void aValueCopiedToAnotherRecordDoesNotDecrypt() {
        SecretBox box = new SecretBox(keyring("k1", 1));
        String stored = box.seal("production-database-password", ROW);
        assertThatThrownBy(() -> box.open(stored, new SecretContext("credential", "other", "token")))
                .isInstanceOf(SecretException.class);
        assertThatThrownBy(() -> box.open(stored, new SecretContext("project_env", "acme-vercel", "token")))
                .isInstanceOf(SecretException.class);
        assertThatThrownBy(() -> box.open(stored, new SecretContext("credential", "acme-vercel", "refresh_token")))
                .isInstanceOf(SecretException.class);
    }

    @Test
    void rotationMovesValuesToTheNewFirstKeySoTheOldKeyCanBeDropped() {
        Keyring old = keyring("old", 1);
        String stored = new SecretBox(old).seal("railway-token-abcdef", ROW);

        Keyring both = Keyring.of(orderedKeys("new", 2, "old", 1));
        SecretBox rotating = new SecretBox(both);
        assertThat(rotating.isCurrent(stored)).isFalse();
        String rotated = rotating.reseal(stored, ROW);
        assertThat(rotated).startsWith("slw:new:");
        assertThat(rotating.isCurrent(rotated)).isTrue();

        SecretBox onlyNew = new SecretBox(keyring("new", 2));
        assertThat(onlyNew.open(rotated, ROW)).isEqualTo("railway-token-abcdef");
        assertThatThrownBy(() -> onlyNew.open(stored, ROW)).isInstanceOf(SecretException.class)
                .hasMessageContaining("'old'").hasMessageContaining("SLIPWAY_ENCRYPTION_KEYS");
    }

    @Test
    void keyringParsesAndDescribesEveryMistakeWithoutEchoingKeys() {
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        Keyring ring = Keyring.parse("a:" + key + ", b:" + key);
        assertThat(ring.primaryId()).isEqualTo("a");
        assertThat(ring.ids()).containsExactly("a", "b");
        assertThat(ring.toString()).doesNotContain(key);

        String shortKey = Base64.getEncoder().encodeToString(new byte[16]);
        assertThatThrownBy(() -> Keyring.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> Keyring.parse(key)).hasMessageContaining("no ':'");
        assertThatThrownBy(() -> Keyring.parse("bad id:" + key)).hasMessageContaining("invalid id");
        assertThatThrownBy(() -> Keyring.parse("k1:not*base64")).hasMessageContaining("not valid base64")
                .hasMessageNotContaining("not*base64");
        assertThatThrownBy(() -> Keyring.parse("k1:" + shortKey)).hasMessageContaining("16 bytes")
                .hasMessageContaining("openssl rand -base64 32").hasMessageNotContaining(shortKey);
        assertThatThrownBy(() -> Keyring.parse("k1:" + key + ",k1:" + key)).hasMessageContaining("twice");
    }

    @Test
    void storedValuesThatAreNotInTheStoredFormAreRefused() {
        SecretBox box = new SecretBox(keyring("k1", 1));
        assertThatThrownBy(() -> box.open("plaintext", ROW)).isInstanceOf(SecretException.class);
        assertThatThrownBy(() -> box.open("slw:k1:AAAA", ROW)).isInstanceOf(SecretException.class);
        assertThatThrownBy(() -> box.open("slw:k1:***", ROW)).isInstanceOf(SecretException.class);
    }

    @Test
    void fingerprintsMatchOnlyForTheSameInputPurposeAndPrimaryKey() {
        byte[] data = "FLAG=true".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        SecretBox box = new SecretBox(keyring("k1", 1));
        String print = box.fingerprint("env", data);

        assertThat(box.fingerprint("env", data)).isEqualTo(print).startsWith("k1:").doesNotContain("true");
        assertThat(box.fingerprint("env", "FLAG=false".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .isNotEqualTo(print);
        assertThat(box.fingerprint("other", data)).isNotEqualTo(print);
        // Without the key a guess cannot be checked: another key gives another fingerprint of the same input.
        assertThat(new SecretBox(keyring("k1", 2)).fingerprint("env", data)).isNotEqualTo(print);
    }

    static Keyring keyring(String id, int fill) {
        return Keyring.of(orderedKeys(id, fill));
    }

    private static Map<String, byte[]> orderedKeys(Object... idsAndFills) {
        Map<String, byte[]> keys = new LinkedHashMap<>();
        for (int i = 0; i < idsAndFills.length; i += 2) {
            byte[] raw = new byte[32];
            java.util.Arrays.fill(raw, (byte) (int) (Integer) idsAndFills[i + 1]);
            keys.put((String) idsAndFills[i], raw);
        }
        return keys;
    }

    private static byte[] hex(String text) {
        return text == null ? new byte[0] : HEX.parseHex(text);
    }

    private static String nullToEmpty(String text) {
        return text == null ? "" : text;
    }
}
