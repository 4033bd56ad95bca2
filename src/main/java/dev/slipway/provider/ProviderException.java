package dev.slipway.provider;

import java.time.Duration;
import java.util.Optional;

/**
 * A failed provider call. Transient failures (connection, timeout, 5xx, 408, 429) may succeed later;
 * terminal ones (a rejected token, a bad request) fail the deployment with {@link #getMessage()} as reason.
 */
public class ProviderException extends RuntimeException {

    private final boolean transientFailure;

    private ProviderException(String message, boolean transientFailure, Throwable cause) {
        super(message, cause);
        this.transientFailure = transientFailure;
    }

    public static ProviderException transientFailure(String message, Throwable cause) {
        return new ProviderException(message, true, cause);
    }

    /** A failure no retry can mend; always a {@link Terminal}, so the fault-tolerance guards can tell it apart. */
    public static ProviderException terminal(String message) {
        return new Terminal(message);
    }

    /** A 429 answer: transient, and the provider said how long to wait before the next call. */
    public static RateLimited rateLimited(String message, Duration retryAfter) {
        return new RateLimited(message, retryAfter);
    }

    /**
     * What a call answers while the provider's circuit breaker is open: nothing is sent, and the failure stays
     * transient so deployments wait instead of failing.
     */
    public static ProviderException circuitOpen(String provider) {
        return transientFailure(provider + " is unavailable: too many recent calls failed, so Slipway pauses calls "
                + "to it for a while (circuit open)", null);
    }

    public boolean isTransient() {
        return transientFailure;
    }

    /** How long the provider asked Slipway to wait, when it said so. */
    public Optional<Duration> retryAfter() {
        return Optional.empty();
    }

    /**
     * A terminal failure. A class of its own so the guards' {@code @Retry} aborts on it and their
     * {@code @CircuitBreaker} skips it: a rejected request thrown inside a guarded attempt (an answer that stayed
     * malformed, a GraphQL error) is neither repeated nor taken for the provider being down.
     */
    public static final class Terminal extends ProviderException {

        private Terminal(String message) {
            super(message, false, null);
        }
    }

    /**
     * The provider is rate limiting Slipway. A class of its own because the fault-tolerance retry must not
     * repeat it on its own short backoff: the caller waits for {@link #retryAfter()} instead.
     */
    public static final class RateLimited extends ProviderException {

        private final Duration wait;

        private RateLimited(String message, Duration wait) {
            super(message, true, null);
            this.wait = wait;
        }

        @Override
        public Optional<Duration> retryAfter() {
            return Optional.ofNullable(wait);
        }
    }
}
