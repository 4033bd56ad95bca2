package dev.slipway.provider;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The last failed call to each provider, as this replica saw it, for {@code GET /api/v1/providers}. Messages are
 * the adapters' own descriptions, which never contain a token.
 */
@ApplicationScoped
public class ProviderHealth {

    /** One failed call: what went wrong and when. */
    public record LastError(String message, Instant at) {
    }

    private final Map<String, LastError> last = new ConcurrentHashMap<>();

    public void failed(String provider, Throwable error) {
        String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
        last.put(provider, new LastError(message, Instant.now()));
    }

    public Optional<LastError> lastError(String provider) {
        return Optional.ofNullable(last.get(provider));
    }
}
