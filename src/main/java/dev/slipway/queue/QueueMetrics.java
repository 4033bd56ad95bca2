package dev.slipway.queue;

import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * {@code slipway_deployments_active} and {@code slipway_queue_depth}, counted in the database so every
 * replica reports the same, whole-system figures.
 */
@ApplicationScoped
public class QueueMetrics {

    private final QueueStore store;
    private final AtomicLong active = new AtomicLong();
    private final AtomicLong queued = new AtomicLong();

    public QueueMetrics(QueueStore store, MeterRegistry registry) {
        this.store = store;
        registry.gauge("slipway_deployments_active", active);
        registry.gauge("slipway_queue_depth", queued);
    }

    @Scheduled(every = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> refresh() {
        return store.depth().invoke(d -> {
            active.set(d[0]);
            queued.set(d[1]);
        }).replaceWithVoid().onFailure().recoverWithNull();
    }
}
