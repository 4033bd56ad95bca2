package dev.slipway.provider;

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

    public static ProviderException terminal(String message) {
        return new ProviderException(message, false, null);
    }

    public boolean isTransient() {
        return transientFailure;
    }
}
