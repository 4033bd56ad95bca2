package dev.slipway.logs;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.security.RolesAllowed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.security.Role;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
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
    private final Map<String, Runnable> subscriptions = new ConcurrentHashMap<>();

    public EventSocket(DeploymentEvents events, Pool pool, ObjectMapper json) {
        this.events = events;
        this.pool = pool;
        this.json = json;
    }

    @OnOpen
    public void open(WebSocketConnection connection) {
        subscriptions.put(connection.id(), events.subscribeAll(event -> {
            if (event.statusChanged()) {
                send(connection, event);
            }
        }));
    }

    @OnClose
    public void closed(WebSocketConnection connection) {
        Runnable unsubscribe = subscriptions.remove(connection.id());
        if (unsubscribe != null) {
            unsubscribe.run();
        }
    }

    private void send(WebSocketConnection connection, DeploymentEvents.Event event) {
        // The reason is read from the database: notifications carry no free text.
        pool.preparedQuery("select status_reason from deployment where id = $1")
                .execute(Tuple.of(event.deploymentId()))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("status_reason"))
                .chain(reason -> connection.sendText(encode(StreamMessage.status("d-" + event.deploymentId(),
                        event.status(), reason))))
                .subscribe().with(x -> { }, e -> { });
    }

    private String encode(StreamMessage message) {
        try {
            return json.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
