package dev.slipway.logs;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;


import dev.slipway.platform.PgNotifications;
import dev.slipway.queue.QueueStore;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;

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

    private final PgNotifications notifications;
    private final Map<Long, Set<Consumer<Event>>> byDeployment = new ConcurrentHashMap<>();
    private final Set<Consumer<Event>> everything = new CopyOnWriteArraySet<>();
    private final Set<Runnable> reconnected = new CopyOnWriteArraySet<>();

    public DeploymentEvents(PgNotifications notifications) {
        this.notifications = notifications;
    }

    void onStart(@Observes StartupEvent event) {
        // The second callback also runs after a lost connection came back: whoever missed events re-reads.
        notifications.listen(QueueStore.EVENTS_CHANNEL, this::dispatch, () -> reconnected.forEach(Runnable::run));
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
