package dev.slipway.queue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.slipway.deployment.DeploymentStatus;
import dev.slipway.platform.PgNotifications;
import dev.slipway.platform.SlipwayConfig;
import dev.slipway.provider.ProviderOutages;
import dev.slipway.provider.ProviderRegistry;
import dev.slipway.tracking.Tracker;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * Starts queued deployments while capacity allows. Woken by a message on {@code deployment-requests}, by a
 * deployment finishing here, and by the periodic recovery pass, which also takes over deployments whose
 * process died and renews this replica's leases.
 */
@ApplicationScoped
public class Dispatcher implements Tracker.FinishListener {

    private final QueueStore store;
    private final Tracker tracker;
    private final SlipwayConfig config;
    private final Replica replica;
    private final MeterRegistry metrics;
    private final PgNotifications notifications;
    private final ProviderOutages outages;
    private final AtomicBoolean pumping = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private volatile boolean stopping;

    public Dispatcher(QueueStore store, Tracker tracker, SlipwayConfig config, Replica replica,
            MeterRegistry metrics, PgNotifications notifications, ProviderOutages outages) {
        this.notifications = notifications;
        this.outages = outages;
        this.store = store;
        this.tracker = tracker;
        this.config = config;
        this.replica = replica;
        this.metrics = metrics;
    }

    /** A deployment was queued somewhere: see whether it (or anything more urgent) can start. */
    @Incoming("deployment-requests")
    public Uni<Void> onRequest(DeploymentRequest request) {
        Log.debugf("deployment d-%d queued with priority %d", request.deploymentId(), request.priority());
        return pump();
    }

    /** The same, when requests travel over RabbitMQ; acknowledged once the claim pass has committed. */
    @Incoming("deployment-requests-broker")
    public Uni<Void> onBrokerRequest(io.vertx.core.json.JsonObject request) {
        Log.debugf("deployment d-%s queued (via the broker)", request.getValue("deploymentId"));
        return pump();
    }

    /**
     * Claims as many queued deployments as the limits allow. Calls that arrive while a claim is running are
     * folded into one more round, so a burst of requests costs a few claims, not one each.
     */
    public Uni<Void> pump() {
        if (stopping) {
            return Uni.createFrom().voidItem();
        }
        if (!pumping.compareAndSet(false, true)) {
            again.set(true);
            return Uni.createFrom().voidItem();
        }
        return store.claim(replica.id(), config.queue().maxActive(), providerLimits(), config.queue().lease())
                .invoke(claims -> claims.forEach(c -> {
                    Log.infof("deployment %s on %s: claimed (attempt %d)", c.publicId(), c.provider(), c.attempts());
                    tracker.follow(c, false);
                }))
                .onFailure().invoke(e -> Log.warnf("Claiming queued deployments failed: %s", e.getMessage()))
                .onFailure().recoverWithNull()
                .eventually(() -> {
                    pumping.set(false);
                    if (again.getAndSet(false)) {
                        pump().subscribe().with(x -> { });
                    }
                })
                .replaceWithVoid();
    }

    @Override
    public void finished(Claim claim, DeploymentStatus status) {
        metrics.counter("slipway_deployments_finished", "provider", claim.provider(), "status", status.name())
                .increment();
        pump().subscribe().with(x -> { });
    }

    @Override
    public void released(Claim claim) {
        pump().subscribe().with(x -> { });
    }

    void onStart(@Observes StartupEvent event) {
        // Another replica stopping hands its deployments over: take them now rather than at the next pass.
        notifications.listen(QueueStore.QUEUE_CHANNEL, signal -> {
            if (QueueStore.HAND_BACK.equals(signal)) {
                recover().subscribe().with(x -> { });
            }
        });
    }

    /** Takes over abandoned deployments, renews this replica's leases, and starts what can start. */
    @Scheduled(every = "${slipway.queue.recovery-interval:5s}", delay = 0, delayUnit = TimeUnit.SECONDS,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> recover() {
        if (stopping) {
            return Uni.createFrom().voidItem();
        }
        List<Claim> held = tracker.held();
        return store.heartbeat(replica.id(), held, config.queue().lease())
                .invoke(kept -> tracker.keepOnly(held, kept))
                .chain(() -> store.takeOverExpired(replica.id(), config.queue().lease(), 100))
                .invoke(this::resume)
                .chain(this::pump)
                .onFailure().invoke(e -> Log.warnf("Queue recovery pass failed: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }

    private void resume(List<Claim> claims) {
        for (Claim c : claims) {
            Log.infof("deployment %s on %s: taken over in %s (attempt %d)", c.publicId(), c.provider(), c.status(),
                    c.attempts());
            tracker.follow(c, true);
        }
    }

    /** Stops claiming and hands every lease back so another replica resumes those deployments at once. */
    void onStop(@Observes @Priority(10) ShutdownEvent event) {
        stopping = true;
        tracker.stopAll();
        try {
            Integer handed = store.handBack(replica.id()).await().atMost(java.time.Duration.ofSeconds(5));
            if (handed > 0) {
                Log.infof("Handed %d deployment lease(s) back for another replica to resume", handed);
            }
        } catch (RuntimeException e) {
            Log.warnf("Could not hand leases back (they expire in %s): %s", config.queue().lease(), e.getMessage());
        }
    }

    /**
     * Each provider's limit for this claim pass; none is claimed for a provider whose breaker just opened here,
     * so its deployments stay queued and leave the capacity to the others (see {@link ProviderOutages}).
     */
    private Map<String, Integer> providerLimits() {
        Map<String, Integer> limits = new LinkedHashMap<>();
        for (String provider : ProviderRegistry.KNOWN) {
            limits.put(provider, outages.paused(provider) ? 0
                    : config.providers().named(provider).maxActive().orElse(config.queue().maxActive()));
        }
        return limits;
    }
}
