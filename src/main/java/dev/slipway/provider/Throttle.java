package dev.slipway.provider;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.smallrye.mutiny.Uni;

/**
 * Remembers until when a provider asked Slipway to stop calling ({@code Retry-After}), so that every later call
 * to that provider, whichever deployment makes it, waits out the rest of that time without blocking a thread.
 */
public final class Throttle {

    private final String provider;
    private final AtomicLong notBeforeMillis = new AtomicLong();

    public Throttle(String provider) {
        this.provider = provider;
    }

    /** No call before {@code wait} from now; a later deadline already set is kept. */
    public void pause(Duration wait) {
        long until = System.currentTimeMillis() + wait.toMillis();
        notBeforeMillis.accumulateAndGet(until, Math::max);
    }

    /** How long calls must still wait. */
    public Duration remaining() {
        return Duration.ofMillis(Math.max(0, notBeforeMillis.get() - System.currentTimeMillis()));
    }

    /**
     * Completes once calls may go out again. A wait longer than {@code longest} fails at once as transient, so a
     * deployment's tracker retries later instead of holding the wait (and the caller) open for minutes.
     */
    public Uni<Void> await(Duration longest) {
        Duration wait = remaining();
        if (wait.isZero()) {
            return Uni.createFrom().voidItem();
        }
        if (wait.compareTo(longest) > 0) {
            return Uni.createFrom().failure(ProviderException.transientFailure(provider + " asked Slipway to wait "
                    + "another " + wait.toSeconds() + " s before calling again (rate limit)", null));
        }
        return Uni.createFrom().voidItem().onItem().delayIt().by(wait);
    }
}
