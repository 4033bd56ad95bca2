package dev.slipway.provider;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.slipway.deployment.DeploymentStatus;
import dev.slipway.platform.SlipwayConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;

/**
 * How each provider is doing: whether Slipway can deploy to it, its circuit breaker, its last error and its
 * share of the queue. Breaker states are also the gauge {@code slipway_provider_circuit_state} (0 closed,
 * 1 half-open, 2 open), one series per provider that has a breaker, registered at startup so it is there before
 * anyone asks.
 */
@Startup
@ApplicationScoped
public class ProviderOverview {

    /** One provider as {@code GET /api/v1/providers} shows it. */
    public record ProviderView(String name, boolean configured, String circuit, String lastError,
            java.time.Instant lastErrorAt, long active, long queued, int maxActive) {
    }

    private final ProviderRegistry registry;
    private final CircuitBreakerMaintenance breakers;
    private final ProviderHealth health;
    private final SlipwayConfig config;
    private final Pool pool;

    public ProviderOverview(ProviderRegistry registry, CircuitBreakerMaintenance breakers, ProviderHealth health,
            SlipwayConfig config, Pool pool, MeterRegistry metrics) {
        this.registry = registry;
        this.breakers = breakers;
        this.health = health;
        this.config = config;
        this.pool = pool;
        for (String name : ProviderRegistry.KNOWN) {
            registry.adapter(name).flatMap(DeploymentProvider::circuitBreaker).ifPresent(breaker -> Gauge
                    .builder("slipway_provider_circuit_state", () -> level(breakers.currentState(breaker)))
                    .description("Circuit breaker of the provider's calls: 0 closed, 1 half-open, 2 open")
                    .tag("provider", name).register(metrics));
        }
    }

    /**
     * Every known provider, by name. {@code configured} means this build has its adapter and, when it needs a
     * credential, at least one credential for it is stored; counts are across replicas, errors as this replica
     * saw them.
     */
    public Uni<List<ProviderView>> all() {
        return counts().chain(counts -> credentials().map(credentials -> ProviderRegistry.KNOWN.stream().sorted()
                .map(name -> view(name, counts.getOrDefault(name, new long[2]), credentials.containsKey(name)))
                .toList()));
    }

    private ProviderView view(String name, long[] counts, boolean hasCredential) {
        Optional<DeploymentProvider> adapter = registry.adapter(name);
        boolean configured = adapter.isPresent() && (hasCredential || !adapter.get().needsCredential());
        String circuit = adapter.flatMap(DeploymentProvider::circuitBreaker)
                .map(breaker -> breakers.currentState(breaker).name()).orElse(CircuitBreakerState.CLOSED.name());
        Optional<ProviderHealth.LastError> last = health.lastError(name);
        int maxActive = config.providers().named(name).maxActive().orElse(config.queue().maxActive());
        return new ProviderView(name, configured, circuit, last.map(ProviderHealth.LastError::message).orElse(null),
                last.map(ProviderHealth.LastError::at).orElse(null), counts[0], counts[1], maxActive);
    }

    private Uni<Map<String, long[]>> counts() {
        return pool.query("""
                select provider, count(*) filter (where status in %s) as active,
                       count(*) filter (where status = 'QUEUED') as queued
                from deployment where status in %s group by provider""".formatted(DeploymentStatus.ACTIVE_SQL,
                DeploymentStatus.OPEN_SQL)).execute().map(rows -> {
                    Map<String, long[]> counts = new HashMap<>();
                    for (Row row : rows) {
                        counts.put(row.getString("provider"), new long[] { row.getLong("active"),
                                row.getLong("queued") });
                    }
                    return counts;
                });
    }

    private Uni<Map<String, Long>> credentials() {
        return pool.query("select provider, count(*) as n from credential group by provider").execute()
                .map(rows -> {
                    Map<String, Long> counts = new HashMap<>();
                    for (Row row : rows) {
                        counts.put(row.getString("provider"), row.getLong("n"));
                    }
                    return counts;
                });
    }

    private static double level(CircuitBreakerState state) {
        return switch (state) {
            case CLOSED -> 0;
            case HALF_OPEN -> 1;
            case OPEN -> 2;
        };
    }
}
