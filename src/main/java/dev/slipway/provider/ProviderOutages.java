package dev.slipway.provider;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.Config;

import io.quarkus.logging.Log;
import io.quarkus.runtime.Startup;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

/**
 * Which providers this replica should start no new deployment on right now: those whose circuit breaker opened
 * less than the breaker's delay ago. Starting one then would send nothing (the breaker refuses every call) and
 * only hold a place of the queue's limits that another provider's deployment could use.
 *
 * <p>The pause ends with the breaker's delay, not when the breaker leaves {@code OPEN}: SmallRye lets the
 * breaker half-open only when a call arrives after the delay, so some deployment must be started to make that
 * trial call. A pause that ended too early would cost nothing but a start that waits; one that never ended would
 * leave the provider's queue stuck.
 */
@Startup
@ApplicationScoped
public class ProviderOutages {

    /** The breaker delay each guard declares ({@code @CircuitBreaker(delay = 30, delayUnit = SECONDS)}). */
    static final Duration DECLARED_DELAY = Duration.ofSeconds(30);

    private final Map<String, Long> pausedUntil = new ConcurrentHashMap<>();

    private final ProviderRegistry registry;
    private final CircuitBreakerMaintenance breakers;
    private final Config config;

    public ProviderOutages(ProviderRegistry registry, CircuitBreakerMaintenance breakers, Config config) {
        this.registry = registry;
        this.breakers = breakers;
        this.config = config;
    }

    /** Listens to every provider's breaker from the start, so an outage pauses claims from its first moment. */
    @PostConstruct
    void watch() {
        for (String name : ProviderRegistry.KNOWN) {
            registry.adapter(name).ifPresent(adapter -> adapter.circuitBreaker().ifPresent(breaker -> {
                Duration delay = adapter.circuitBreakerGuard().map(guard -> delay(config, guard))
                        .orElse(DECLARED_DELAY);
                breakers.onStateChange(breaker, state -> changed(name, state, delay));
            }));
        }
    }

    /**
     * Whether deployments to {@code provider} should wait in the queue instead of starting: its breaker is open and
     * will refuse every call for a while yet.
     */
    public boolean paused(String provider) {
        Long until = pausedUntil.get(provider);
        return until != null && System.nanoTime() - until < 0;
    }

    private void changed(String provider, CircuitBreakerState state, Duration delay) {
        if (state == CircuitBreakerState.OPEN) {
            pausedUntil.put(provider, System.nanoTime() + delay.toNanos());
            Log.warnf("%s: circuit open after repeated failures; its queued deployments wait %d s before one tries "
                    + "again, other providers go on", provider, delay.toSeconds());
        } else {
            pausedUntil.remove(provider);
            Log.infof("%s: circuit %s", provider, state.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        }
    }

    /**
     * The breaker delay in force for a guard's {@code call} method: the {@code quarkus.fault-tolerance} setting when
     * one overrides it (the test profile does), else the declared one.
     */
    private static Duration delay(Config config, Class<?> guard) {
        String prefix = "quarkus.fault-tolerance.\"" + guard.getName() + "/call\".circuit-breaker.";
        return config.getOptionalValue(prefix + "delay", Long.class).map(value -> {
            ChronoUnit unit = config.getOptionalValue(prefix + "delay-unit", String.class)
                    .map(ProviderOutages::unit).orElse(ChronoUnit.SECONDS);
            return Duration.of(value, unit);
        }).orElse(DECLARED_DELAY);
    }

    private static ChronoUnit unit(String name) {
        return switch (name.toUpperCase(java.util.Locale.ROOT)) {
            case "MILLIS", "MILLISECONDS" -> ChronoUnit.MILLIS;
            case "MINUTES" -> ChronoUnit.MINUTES;
            case "HOURS" -> ChronoUnit.HOURS;
            default -> ChronoUnit.SECONDS;
        };
    }

}
