package dev.slipway.logs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.security.RolesAllowed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.security.Role;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * {@code /ws/events}: every status change of every deployment, from every replica, as
 * {@code {"type":"status","deploymentId":"d-1","status":"READY","statusReason":null}}.
 *
 * <p>Events are not stored: a dashboard connects first, then lists the deployments, then applies the events.
 * When this replica's {@code LISTEN} connection was lost and is back, changes committed meanwhile were not
 * heard, so every dashboard gets {@code {"type":"resync"}} and lists again. A dashboard whose socket takes
 * nothing for {@link #STALL_MILLIS} while messages wait for it, or that leaves {@link #MAX_PENDING} unwritten,
 * is closed with 1013 and told to reconnect and list again; the others are not held up.
 */
@WebSocket(path = "/ws/events")
@RolesAllowed(Role.VIEWER_NAME)
public class EventSocket {

    /**
     * Messages handed to one connection and not yet written to its socket, at most. Netty queues writes
     * without limit, so this (with {@link #STALL_MILLIS}) is what bounds the memory a stalled dashboard holds.
     */
    static final int MAX_PENDING = 10_000;
    /**
     * How long a connection may take nothing while messages wait for it. A burst of changes may briefly leave
     * many messages unwritten for a dashboard that reads well; one whose socket stops taking them is stalled.
     */
    static final long STALL_MILLIS = LogViewer.STALL_MILLIS;
    static final String TOO_SLOW = "too slow; reconnect and re-list GET /api/v1/deployments";

    /** Status changes whose reasons are read in one query, at most. */
    static final int LOOKUP_BATCH = 500;

    /** Stands for a {@code resync} in the feed, so it keeps its place among the status changes. */
    private static final DeploymentEvents.Event RESYNC = new DeploymentEvents.Event(-1, -1, "", false);

    private final DeploymentEvents events;
    private final Pool pool;
    private final ObjectMapper json;
    private final Map<String, Dashboard> open = new ConcurrentHashMap<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final Queue<DeploymentEvents.Event> feed = new ConcurrentLinkedQueue<>();
    /** A lookup is running; the next one starts when it has been sent. */
    private final AtomicBoolean looking = new AtomicBoolean();
    private final Counter cut;

    public EventSocket(DeploymentEvents events, Pool pool, ObjectMapper json, MeterRegistry metrics) {
        this.events = events;
        this.pool = pool;
        this.json = json;
        this.cut = Counter.builder("slipway_event_viewers_too_slow")
                .description("/ws/events connections closed because they stopped taking messages")
                .register(metrics);
    }

    @OnOpen
    public void open(WebSocketConnection connection) {
        open.put(connection.id(), new Dashboard(connection));
        if (started.compareAndSet(false, true)) {
            start();
        }
    }

    @OnClose
    public void closed(WebSocketConnection connection) {
        open.remove(connection.id());
    }

    /**
     * One feed for all connections of this replica, in the order the changes were committed. The reasons are
     * read from the database (notifications carry no free text) for everything queued at once, in one query,
     * so a burst of changes costs a few lookups and the queue never grows beyond what arrives during one.
     */
    private void start() {
        events.subscribeAll(event -> {
            if (event.statusChanged()) {
                enqueue(event);
            }
        });
        events.onReconnect(() -> enqueue(RESYNC));
    }

    private void enqueue(DeploymentEvents.Event event) {
        feed.add(event);
        drain();
    }

    private void drain() {
        if (!looking.compareAndSet(false, true)) {
            return;
        }
        List<DeploymentEvents.Event> batch = new ArrayList<>();
        for (DeploymentEvents.Event e; batch.size() < LOOKUP_BATCH && (e = feed.poll()) != null;) {
            batch.add(e);
        }
        if (batch.isEmpty()) {
            looking.set(false);
            // An event queued after the poll and before the flag was cleared found the flag still set.
            if (!feed.isEmpty()) {
                drain();
            }
            return;
        }
        reasons(batch).onFailure().recoverWithItem(e -> {
            Log.debugf("Reading status reasons for /ws/events failed: %s", e.getMessage());
            return Map.of();
        }).subscribe().with(reasons -> {
            try {
                for (DeploymentEvents.Event event : batch) {
                    String text = event == RESYNC ? encode(StreamMessage.resync())
                            : encode(StreamMessage.status("d-" + event.deploymentId(), event.status(),
                                    reasonOf(event, reasons.get(event.deploymentId()))));
                    open.values().forEach(d -> d.send(text));
                }
            } finally {
                looking.set(false);
            }
            drain();
        });
    }

    /** A deployment's status and reason as read for a batch. */
    private record Current(String status, String reason) {
    }

    /**
     * The reason read belongs to the status read: a change that a later one has already overtaken is sent without
     * it, rather than with a reason written for another status.
     */
    private static String reasonOf(DeploymentEvents.Event event, Current current) {
        return current != null && current.status().equals(event.status()) ? current.reason() : null;
    }

    private Uni<Map<Long, Current>> reasons(List<DeploymentEvents.Event> batch) {
        Long[] ids = batch.stream().filter(e -> e != RESYNC).map(DeploymentEvents.Event::deploymentId).distinct()
                .toArray(Long[]::new);
        if (ids.length == 0) {
            return Uni.createFrom().item(Map.of());
        }
        return pool.preparedQuery("select id, status, status_reason from deployment where id = any($1)")
                .execute(Tuple.of(ids)).map(rows -> {
                    Map<Long, Current> reasons = new HashMap<>();
                    rows.forEach(r -> reasons.put(r.getLong("id"),
                            new Current(r.getString("status"), r.getString("status_reason"))));
                    return reasons;
                });
    }

    private String encode(StreamMessage message) {
        try {
            return json.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One connection and the messages it has not taken yet. */
    private final class Dashboard {
        private final WebSocketConnection connection;
        private final AtomicInteger pending = new AtomicInteger();
        /** When a write last completed, or the connection last went from idle to busy (nanoTime). */
        private volatile long progressAt = System.nanoTime();

        Dashboard(WebSocketConnection connection) {
            this.connection = connection;
        }

        /** Called by the feed only, one message at a time. */
        void send(String text) {
            long now = System.nanoTime();
            int waiting = pending.get();
            if (waiting == 0) {
                progressAt = now;
            } else if (waiting >= MAX_PENDING || now - progressAt > STALL_MILLIS * 1_000_000L) {
                tooSlow(waiting);
                return;
            }
            pending.incrementAndGet();
            connection.sendText(text).subscribe().with(x -> {
                progressAt = System.nanoTime();
                pending.decrementAndGet();
            }, e -> pending.decrementAndGet());
        }

        private void tooSlow(int waiting) {
            // Out of the feed at once: nothing more is queued for it, whenever its close completes.
            if (open.remove(connection.id(), this)) {
                cut.increment();
                Log.debugf("Closing an event dashboard with %d messages unwritten", waiting);
                connection.close(new CloseReason(DeploymentLogSocket.TRY_AGAIN_LATER, TOO_SLOW))
                        .subscribe().with(x -> { }, e -> { });
            }
        }
    }
}
