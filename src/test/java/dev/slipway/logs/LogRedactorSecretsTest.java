package dev.slipway.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

/** A deployment's redactor: its exact secrets plus the common token shapes. */
class LogRedactorSecretsTest {

    @Test
    void knownSecretsOfSixOrMoreCharactersAndTokenShapesAreRedacted() {
        LogRedactor redactor = LogRedactor.forSecrets(List.of("hunter2-password", "abc", "hunter2-password-long"));

        assertThat(redactor.redact("DB_PASSWORD=hunter2-password-long")).isEqualTo("DB_PASSWORD=[redacted]");
        assertThat(redactor.redact("using hunter2-password now")).isEqualTo("using [redacted] now");
        assertThat(redactor.redact("SHORT=abc")).isEqualTo("SHORT=abc");
        assertThat(redactor.redact("Authorization: Bearer abcdefghijklmnop")).isEqualTo(
                "Authorization: Bearer [redacted]");
    }

    @Test
    void secretsWithRegexCharactersAreMatchedLiterally() {
        LogRedactor redactor = LogRedactor.forSecrets(List.of("a.b*c$1\\E(x)"));
        assertThat(redactor.redact("value a.b*c$1\\E(x) end")).isEqualTo("value [redacted] end");
        assertThat(redactor.redact("value aXbbc end")).isEqualTo("value aXbbc end");
    }
}
