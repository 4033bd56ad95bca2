package dev.slipway.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** How a timeout reads in a deployment's status reason. */
class TrackerTest {

    @Test
    void timeoutsReadInWholeMinutesOrSeconds() {
        assertThat(Tracker.readable(Duration.ofMinutes(60))).isEqualTo("60 minutes");
        assertThat(Tracker.readable(Duration.ofSeconds(90))).isEqualTo("90 seconds");
        assertThat(Tracker.readable(Duration.ofSeconds(3))).isEqualTo("3 seconds");
    }
}
