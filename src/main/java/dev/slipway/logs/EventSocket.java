package dev.slipway.logs;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.security.RolesAllowed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.security.Role;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * {@code /ws/events}: every status change of every deployment, from every replica, as
 * {@code {"type":"status","deploymentId":"d-1","status":"READY","statusReason":null}}.
 */
@WebSocket(path = "/ws/events")
@RolesAllowed(Role.VIEWER_NAME)
public class EventSocket {

    private final DeploymentEvents events;
    private final Pool pool;
    private final ObjectMapper json;
    private final Set<WebSocketConnection> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean started = new AtomicBoolean();

    public EventSocket(DeploymentEvents events, Pool pool, ObjectMapper json) {
        this.events = events;
        this.pool = pool;
        this.json = json;
    }

    @OnOpen
    public void open(WebSocketConnection connection) {
        open.add(connection);
        if (started.compareAndSet(false, true)) {
            start();
        }
    }

    @OnClose
    public void closed(WebSocketConnection connection) {
        open.remove(connection);
    }

    /**
     * One feed for all connections of this replica: each status change is looked up once and sent to every
     * connection in the order the changes were committed (lookups run one after another, so a slow one
     * cannot let a later state overtake an earlier one).
     */
    private void start() {
        Multi.createFrom().<DeploymentEvents.Event>emitter(emitter -> events.subscribeAll(event -> {
            if (event.statusChanged()) {
                emitter.emit(event);
            }
        })).onItem().transformToUniAndConcatenate(this::describe).subscribe().with(text -> open.forEach(
                c -> c.sendText(text).subscribe().with(x -> { }, e -> { })));
    }

    private Uni<String> describe(DeploymentEvents.Event event) {
        // The reason is read from the database: notifications carry no free text.
        return pool.preparedQuery("select status_reason from deployment where id = $1")
                .execute(Tuple.of(event.deploymentId()))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("status_reason"))
                .onFailure().recoverWithNull()
                .map(reason -> encode(StreamMessage.status("d-" + event.deploymentId(), event.status(), reason)));
    }

    private String encode(StreamMessage message) {
        try {
            return json.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
