package dev.slipway.provider;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;

/**
 * Shows each provider's circuit breaker in the readiness data. Always up: an open breaker means a provider is
 * down, not Slipway, which still queues and serves everything else.
 */
@Readiness
@ApplicationScoped
public class ProviderBreakersCheck implements HealthCheck {

    private final ProviderRegistry registry;
    private final CircuitBreakerMaintenance breakers;

    public ProviderBreakersCheck(ProviderRegistry registry, CircuitBreakerMaintenance breakers) {
        this.registry = registry;
        this.breakers = breakers;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("provider circuits").up();
        ProviderRegistry.KNOWN.stream().sorted().forEach(name -> registry.adapter(name)
                .flatMap(DeploymentProvider::circuitBreaker)
                .ifPresent(breaker -> response.withData(name, breakers.currentState(breaker).name())));
        return response.build();
    }
}
