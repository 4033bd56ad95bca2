package dev.slipway.tracking;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongUnaryOperator;

/**
 * How long a tracked deployment waits before its next poll at a provider: {@code initial} after progress, then
 * twice as long after each poll that saw nothing new, up to {@code max}. Each wait is drawn from the upper half
 * of that figure, so deployments started together do not poll in lockstep. One per deployment; not thread-safe.
 */
final class PollBackoff {

    private final Duration initial;
    private final Duration max;
    private Duration next;

    PollBackoff(Duration initial, Duration max) {
        this.initial = initial;
        this.max = max.compareTo(initial) < 0 ? initial : max;
        this.next = initial;
    }

    /** The wait before the next poll; {@code progressed} when the last poll saw a new state or new lines. */
    Duration next(boolean progressed) {
        return next(progressed, bound -> ThreadLocalRandom.current().nextLong(bound));
    }

    /** As {@link #next(boolean)}, with {@code pick} choosing a number in {@code [0, bound)} for the jitter. */
    Duration next(boolean progressed, LongUnaryOperator pick) {
        if (progressed) {
            next = initial;
        }
        long ms = next.toMillis();
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(max) > 0 ? max : doubled;
        return Duration.ofMillis(ms / 2 + pick.applyAsLong(ms / 2 + 1));
    }
}
