package dev.slipway.queue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

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
import io.vertx.core.json.JsonObject;

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
    private final BrokerPrefetch prefetch;
    /** Waiters for the claim pass that starts next; null while nobody waits. Guarded by {@code this}. */
    private CompletableFuture<Void> nextPass;
    /** Whether a claim pass is running. Guarded by {@code this}. */
    private boolean passRunning;
    private volatile boolean stopping;

    public Dispatcher(QueueStore store, Tracker tracker, SlipwayConfig config, Replica replica,
            MeterRegistry metrics, PgNotifications notifications, ProviderOutages outages, BrokerPrefetch prefetch) {
        this.prefetch = prefetch;
        this.notifications = notifications;
        this.outages = outages;
        this.store = store;
        this.tracker = tracker;
        this.config = config;
        this.replica = replica;
        this.metrics = metrics;
    }

    /**
     * A deployment was queued in this process: see whether it (or anything more urgent) can start. Nothing
     * waits for the claim here (an in-process message is not acknowledged to anyone), so a burst of requests
     * folds into a few claim passes.
     */
    @Incoming("deployment-requests")
    public Uni<Void> onRequest(DeploymentRequest request) {
        Log.debugf("deployment d-%d queued with priority %d", request.deploymentId(), request.priority());
        wake();
        return Uni.createFrom().voidItem();
    }

    /**
     * The same, when requests travel over RabbitMQ. The message is acknowledged only once a claim pass that
     * started after it arrived has committed, so a replica that dies before then leaves it to the broker to
     * redeliver; a failed pass or a stopping replica nacks it (requeued, see application.properties). The
     * acknowledgement is sent from the pass rather than by returning the pass: the connector hands this method
     * one message at a time until the returned Uni completes, which would cost one claim pass per message.
     */
    @Incoming("deployment-requests-broker")
    public Uni<Void> onBrokerRequest(Message<JsonObject> message) {
        Log.debugf("deployment d-%s queued (via the broker)", message.getPayload().getValue("deploymentId"));
        pump().subscribe().with(x -> message.ack(), message::nack);
        return Uni.createFrom().voidItem();
    }

    /**
     * Claims as many queued deployments as the limits allow. Completes once a claim pass that started after
     * this call has committed, and fails with that pass, or at once while this replica stops. Calls that arrive
     * while a pass is running all wait for the next one, so a burst of requests costs a few passes, not one
     * each.
     */
    public Uni<Void> pump() {
        return Uni.createFrom().emitter(emitter -> join().whenComplete((x, failure) -> {
            if (failure == null) {
                emitter.complete(null);
            } else {
                emitter.fail(failure);
            }
        }));
    }

    /** {@link #pump()} for callers that need no answer; a failed pass is logged where it fails. */
    private void wake() {
        pump().subscribe().with(x -> { }, e -> { });
    }

    private CompletableFuture<Void> join() {
        CompletableFuture<Void> pass;
        boolean start;
        synchronized (this) {
            if (stopping) {
                return CompletableFuture.failedFuture(stoppingFailure());
            }
            if (nextPass == null) {
                nextPass = new CompletableFuture<>();
            }
            pass = nextPass;
            start = !passRunning;
            if (start) {
                passRunning = true;
                nextPass = null;
            }
        }
        if (start) {
            run(pass);
        }
        return pass;
    }

    private void run(CompletableFuture<Void> pass) {
        int maxActive = config.queue().maxActive();
        store.claim(replica.id(), maxActive, providerLimits(), config.queue().lease())
                .invoke(claimed -> claimed.claims().forEach(c -> {
                    Log.infof("deployment %s on %s: claimed (attempt %d)", c.publicId(), c.provider(), c.attempts());
                    tracker.follow(c, false);
                }))
                .subscribe().with(claimed -> {
                    prefetch.freeCapacity(maxActive - claimed.active());
                    ended(pass, null);
                }, failure -> {
                    Log.warnf("Claiming queued deployments failed: %s", failure.getMessage());
                    ended(pass, failure);
                });
    }

    /** Answers the pass's waiters and starts the next pass when someone waits for one. */
    private void ended(CompletableFuture<Void> pass, Throwable failure) {
        CompletableFuture<Void> following;
        boolean stopped;
        synchronized (this) {
            stopped = stopping;
            following = stopped ? null : nextPass;
            nextPass = null;
            passRunning = following != null;
        }
        // A pass that ends while the replica stops has its claims handed back, so nobody counts on it as done.
        if (failure != null || stopped) {
            pass.completeExceptionally(failure != null ? failure : stoppingFailure());
        } else {
            pass.complete(null);
        }
        if (following != null) {
            run(following);
        }
    }

    private static IllegalStateException stoppingFailure() {
        return new IllegalStateException("this replica is stopping; another one claims the deployment");
    }

    @Override
    public void finished(Claim claim, DeploymentStatus status) {
        metrics.counter("slipway_deployments_finished", "provider", claim.provider(), "status", status.name())
                .increment();
        wake();
    }

    @Override
    public void released(Claim claim) {
        wake();
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
                // A failed claim is logged where it fails; here it must not read as a failed recovery.
                .chain(() -> pump().onFailure().recoverWithNull())
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
        CompletableFuture<Void> waiting;
        synchronized (this) {
            stopping = true;
            waiting = nextPass;
            nextPass = null;
        }
        if (waiting != null) {
            waiting.completeExceptionally(stoppingFailure());
        }
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
