package dev.slipway.logs;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.slipway.queue.QueueStore;
import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.pgclient.PgConnectOptions;

/**
 * Hears, on every replica, what happened to any deployment anywhere: each committed status change or log
 * batch is announced with PostgreSQL {@code NOTIFY} in the same transaction, and this class {@code LISTEN}s
 * and passes the news to local subscribers. Notifications carry ids, sequence numbers and states, never
 * log text; subscribers read what they need from the database.
 */
@ApplicationScoped
public class DeploymentEvents {

    /** What a notification says: deployment {@code id} has lines up to {@code logSeq} and is in {@code status}. */
    public record Event(long deploymentId, long logSeq, String status, boolean statusChanged) {

        static Event parse(String payload) {
            String[] parts = payload.split(":");
            return new Event(Long.parseLong(parts[0]), Long.parseLong(parts[1]), parts[2], "1".equals(parts[3]));
        }
    }

    private final Vertx vertx;
    private final String url;
    private final String user;
    private final String password;
    private final Map<Long, Set<Consumer<Event>>> byDeployment = new ConcurrentHashMap<>();
    private final Set<Consumer<Event>> everything = new CopyOnWriteArraySet<>();
    private final Set<Runnable> reconnected = new CopyOnWriteArraySet<>();
    private PgSubscriber subscriber;

    public DeploymentEvents(Vertx vertx, @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") java.util.Optional<String> user,
            @ConfigProperty(name = "quarkus.datasource.password") java.util.Optional<String> password) {
        this.vertx = vertx;
        this.url = url;
        this.user = user.orElse(null);
        this.password = password.orElse(null);
    }

    void onStart(@Observes StartupEvent event) {
        PgConnectOptions options = PgConnectOptions.fromUri(url.startsWith("vertx-reactive:")
                ? url.substring("vertx-reactive:".length()) : url);
        if (user != null) {
            options.setUser(user);
        }
        if (password != null) {
            options.setPassword(password);
        }
        subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(retries -> 500L);
        // Also runs after the connection was lost and re-established: whoever missed events meanwhile re-reads.
        subscriber.channel(QueueStore.EVENTS_CHANNEL).handler(this::dispatch)
                .subscribeHandler(() -> reconnected.forEach(Runnable::run));
        subscriber.connect().subscribe().with(
                x -> Log.debug("Listening for deployment events"),
                e -> Log.warnf("Could not listen for deployment events: %s", e.getMessage()));
    }

    void onStop(@Observes ShutdownEvent event) {
        if (subscriber != null) {
            subscriber.closeAndAwait();
        }
    }

    /** Calls {@code listener} for every event of one deployment until the returned handle is run. */
    public Runnable subscribe(long deploymentId, Consumer<Event> listener) {
        byDeployment.computeIfAbsent(deploymentId, id -> new CopyOnWriteArraySet<>()).add(listener);
        return () -> byDeployment.computeIfPresent(deploymentId, (id, set) -> {
            set.remove(listener);
            return set.isEmpty() ? null : set;
        });
    }

    /** Calls {@code listener} each time listening starts, so it can catch up on what it may have missed. */
    public void onReconnect(Runnable listener) {
        reconnected.add(listener);
    }

    /** Calls {@code listener} for every event of every deployment until the returned handle is run. */
    public Runnable subscribeAll(Consumer<Event> listener) {
        everything.add(listener);
        return () -> everything.remove(listener);
    }

    private void dispatch(String payload) {
        Event event;
        try {
            event = Event.parse(payload);
        } catch (RuntimeException e) {
            Log.debugf("Ignoring a malformed deployment event: %s", payload);
            return;
        }
        Set<Consumer<Event>> listeners = byDeployment.get(event.deploymentId());
        if (listeners != null) {
            listeners.forEach(l -> l.accept(event));
        }
        everything.forEach(l -> l.accept(event));
    }
}
