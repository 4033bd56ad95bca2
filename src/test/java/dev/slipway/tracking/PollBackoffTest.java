package dev.slipway.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The waits between polls of a provider: exponential from the initial wait, capped, reset by progress. */
class PollBackoffTest {

    private static final Duration INITIAL = Duration.ofSeconds(2);
    private static final Duration MAX = Duration.ofSeconds(30);

    @Test
    void waitsDoubleFromTheInitialUpToTheMaximumWhileNothingChanges() {
        PollBackoff backoff = new PollBackoff(INITIAL, MAX);
        List<Long> longest = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            longest.add(backoff.next(false, bound -> bound - 1).toMillis());
        }
        assertThat(longest).containsExactly(2_000L, 4_000L, 8_000L, 16_000L, 30_000L, 30_000L, 30_000L);
    }

    @Test
    void progressStartsAgainFromTheInitialWait() {
        PollBackoff backoff = new PollBackoff(INITIAL, MAX);
        for (int i = 0; i < 5; i++) {
            backoff.next(false, bound -> bound - 1);
        }
        assertThat(backoff.next(true, bound -> bound - 1)).isEqualTo(INITIAL);
        assertThat(backoff.next(false, bound -> bound - 1)).isEqualTo(INITIAL.multipliedBy(2));
    }

    @Test
    void jitterKeepsEachWaitInTheUpperHalf() {
        PollBackoff shortest = new PollBackoff(INITIAL, MAX);
        assertThat(shortest.next(false, bound -> 0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(shortest.next(false, bound -> 0)).isEqualTo(Duration.ofSeconds(2));

        PollBackoff random = new PollBackoff(INITIAL, MAX);
        Duration previousCeiling = INITIAL;
        for (int i = 0; i < 6; i++) {
            Duration wait = random.next(false);
            assertThat(wait).isBetween(previousCeiling.dividedBy(2), previousCeiling);
            previousCeiling = previousCeiling.multipliedBy(2).compareTo(MAX) > 0 ? MAX
                    : previousCeiling.multipliedBy(2);
        }
    }

    @Test
    void aMaximumBelowTheInitialWaitMeansAFixedWait() {
        PollBackoff backoff = new PollBackoff(INITIAL, Duration.ofSeconds(1));
        assertThat(backoff.next(false, bound -> bound - 1)).isEqualTo(INITIAL);
        assertThat(backoff.next(false, bound -> bound - 1)).isEqualTo(INITIAL);
    }
}
