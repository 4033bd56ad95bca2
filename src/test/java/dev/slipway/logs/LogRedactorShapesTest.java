package dev.slipway.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The token shapes every log line is cleaned of, and the cut of long lines, with their fast paths. */
class LogRedactorShapesTest {

    @Test
    void everyTokenShapeIsRedactedWhateverTheCaseOfItsKeyword() {
        List<String> lines = List.of(
                "Authorization: bearer abcdefgh12345678",
                "curl -H 'BEARER abcdefgh12345678'",
                "key slw_abcdefgh1234 used",
                "ghp_abcdefghijklmnopqrstuvwxyz012345",
                "github_pat_abcdefghijklmnopqrstuvwxyz_0123",
                "xoxb-1234567890-abcdefghij",
                "aws AKIAABCDEFGHIJKLMNOP",
                "jwt eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4",
                "PASSWORD=hunter22", "Secret: s3cr3t-value", "api_key=abcdef123", "API-KEY: abcdef123",
                "apikey=abcdef123", "Token=abcdef123456", "passwd:abcdef12");
        for (String line : lines) {
            assertThat(LogRedactor.clean(line)).as(line).contains(LogRedactor.REDACTED);
        }
        assertThat(LogRedactor.clean("Step 3/7: npm ci --prefer-offline (added 812 packages in 9s)"))
                .isEqualTo("Step 3/7: npm ci --prefer-offline (added 812 packages in 9s)");
    }

    @Test
    void theQuickScanNeverPassesOverALineThePatternWouldChange() {
        // Lines assembled from the shapes' parts, near misses and noise: wherever the pattern finds a token, the
        // scan that decides whether to run it must have said yes.
        String[] parts = { "bearer ", "Bearer\t", "slw_", "gh", "ghp_", "github_pat_", "xoxp-", "AKIA", "eyJ", ".",
                "password", "PassWd", "SECRET", "token", "api", "API_", "key", "-", "=", ": ", "abcdefghij",
                "ABCDEFGHIJKLMNOPQRST", "0123456789", "_", " ", "é", "\"" };
        Random random = new Random(42);
        int tokens = 0;
        for (int i = 0; i < 50_000; i++) {
            StringBuilder line = new StringBuilder();
            for (int j = random.nextInt(12); j >= 0; j--) {
                line.append(parts[random.nextInt(parts.length)]);
            }
            String text = line.toString();
            if (LogRedactor.TOKEN_SHAPES.matcher(text).find()) {
                tokens++;
                assertThat(LogRedactor.mayHoldTokenShape(text)).as(text).isTrue();
            }
        }
        assertThat(tokens).as("lines with a token among those tried").isGreaterThan(1_000);
    }

    @Test
    void longLinesAreCutAtTheByteLimitWithoutSplittingACharacter() {
        String ascii = "a".repeat(LogRedactor.MAX_LINE_BYTES);
        assertThat(LogRedactor.clean(ascii)).isEqualTo(ascii);
        String cut = LogRedactor.clean(ascii + "b");
        assertThat(cut).endsWith(" [cut]");
        assertThat(cut.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(LogRedactor.MAX_LINE_BYTES);

        // 3,000 euro signs are 9,000 bytes but only 3,000 chars: the length alone must not let them through.
        String euros = "€".repeat(3_000);
        String cutEuros = LogRedactor.clean(euros);
        assertThat(cutEuros).endsWith(" [cut]");
        byte[] bytes = cutEuros.getBytes(StandardCharsets.UTF_8);
        assertThat(bytes.length).isLessThanOrEqualTo(LogRedactor.MAX_LINE_BYTES);
        assertThat(cutEuros.substring(0, cutEuros.length() - 6)).matches("€+");
        // Just under the limit in bytes: kept whole.
        String fits = "€".repeat(LogRedactor.MAX_LINE_BYTES / 3);
        assertThat(LogRedactor.clean(fits)).isEqualTo(fits);
    }
}
