package dev.slipway.provider.vercel;

import java.time.temporal.ChronoUnit;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Fallback;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;

import dev.slipway.provider.HttpAnswer;
import dev.slipway.provider.ProviderException;
import io.smallrye.faulttolerance.api.AsynchronousNonBlocking;
import io.smallrye.faulttolerance.api.CircuitBreakerName;
import io.smallrye.faulttolerance.api.ExponentialBackoff;
import io.smallrye.mutiny.Uni;

/**
 * The fault-tolerance boundary around every call to Vercel's API: a timeout per attempt, retries with exponential
 * backoff and jitter, and one circuit breaker named {@value #BREAKER} for all of Vercel. Only transient failures
 * reach it as exceptions (connect errors, timeouts, 5xx, 408, 429); a 4xx verdict comes back as an answer, so a
 * rejected token never opens the breaker. Each call must be safe to repeat: the trigger looks its deployment up
 * before creating it. Test settings shorten every delay through {@code quarkus.fault-tolerance."...".*}.
 */
@ApplicationScoped
public class VercelGuard {

    /** The breaker's name, for {@code CircuitBreakerMaintenance} and {@code GET /api/v1/providers}. */
    public static final String BREAKER = "vercel";

    /**
     * Runs one call. A 429 ({@link ProviderException.RateLimited}) is not retried here: its wait comes from the
     * provider's {@code Retry-After}, which the client honours before it calls again. A terminal failure thrown
     * inside the attempt ({@link ProviderException.Terminal}) is neither retried nor counted by the breaker.
     */
    @AsynchronousNonBlocking
    @Timeout(value = 10, unit = ChronoUnit.SECONDS)
    @Retry(maxRetries = 4, delay = 500, jitter = 250, maxDuration = 60, durationUnit = ChronoUnit.SECONDS,
            abortOn = { ProviderException.RateLimited.class, ProviderException.Terminal.class,
                    CircuitBreakerOpenException.class })
    @ExponentialBackoff(factor = 2, maxDelay = 8, maxDelayUnit = ChronoUnit.SECONDS)
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 30, delayUnit = ChronoUnit.SECONDS,
            successThreshold = 2, skipOn = ProviderException.Terminal.class)
    @CircuitBreakerName(BREAKER)
    @Fallback(fallbackMethod = "unavailable", applyOn = CircuitBreakerOpenException.class)
    public Uni<HttpAnswer> call(Supplier<Uni<HttpAnswer>> request) {
        return request.get();
    }

    /** While the breaker is open nothing is sent; the failure stays transient so deployments wait, not fail. */
    Uni<HttpAnswer> unavailable(Supplier<Uni<HttpAnswer>> request) {
        return Uni.createFrom().failure(ProviderException.circuitOpen("Vercel"));
    }
}
