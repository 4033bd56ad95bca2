package dev.slipway.provider;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class RetryAfterTest {

    private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

    @Test
    void secondsAndHttpDatesBothGiveTheWait() {
        assertThat(RetryAfter.parse("2", NOW)).contains(Duration.ofSeconds(2));
        assertThat(RetryAfter.parse(" 120 ", NOW)).contains(Duration.ofMinutes(2));
        assertThat(RetryAfter.parse("Sun, 01 Mar 2026 10:00:30 GMT", NOW)).contains(Duration.ofSeconds(30));
    }

    @Test
    void aPastDateMeansNoWaitAndNonsenseMeansUnknown() {
        assertThat(RetryAfter.parse("Sun, 01 Mar 2026 09:00:00 GMT", NOW)).contains(Duration.ZERO);
        assertThat(RetryAfter.parse("soon", NOW)).isEmpty();
        assertThat(RetryAfter.parse("-5", NOW)).isEmpty();
        assertThat(RetryAfter.parse(null, NOW)).isEmpty();
    }
}
