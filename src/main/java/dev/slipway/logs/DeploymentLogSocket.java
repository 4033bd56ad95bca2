package dev.slipway.logs;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.security.RolesAllowed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.deployment.Deployment;
import dev.slipway.platform.ProblemException;
import dev.slipway.security.Role;
import io.quarkus.logging.Log;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.PathParam;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.subscription.BackPressureFailure;

/**
 * {@code /ws/deployments/{id}/logs?after=SEQ}: the stored lines after SEQ, then live lines and status changes,
 * then {@code {"type":"end"}} and a normal close. A viewer too slow to keep up is closed with 1013 and told to
 * reconnect with {@code after} set to the last seq it received.
 */
@WebSocket(path = "/ws/deployments/{id}/logs")
@RolesAllowed(Role.VIEWER_NAME)
public class DeploymentLogSocket {

    static final short TRY_AGAIN_LATER = 1013;
    static final short POLICY = 1008;

    private final LogFollower follower;
    private final ObjectMapper json;
    private final Map<String, Cancellable> streams = new ConcurrentHashMap<>();

    public DeploymentLogSocket(LogFollower follower, ObjectMapper json) {
        this.follower = follower;
        this.json = json;
    }

    @OnOpen
    public void open(@PathParam String id, WebSocketConnection connection) {
        var deploymentId = Deployment.parseId(id);
        long after = parseAfter(connection.handshakeRequest().query());
        if (deploymentId.isEmpty() || after < 0) {
            connection.close(new CloseReason(POLICY, deploymentId.isEmpty() ? "no such deployment" : "bad after"))
                    .subscribe().with(x -> { });
            return;
        }
        Cancellable stream = follower.follow(deploymentId.getAsLong(), after)
                .onItem().transformToUniAndConcatenate(message -> connection.sendText(encode(message)))
                .subscribe().with(
                        x -> { },
                        failure -> close(connection, failure),
                        () -> connection.close().subscribe().with(x -> { }));
        streams.put(connection.id(), stream);
    }

    @OnClose
    public void closed(WebSocketConnection connection) {
        Cancellable stream = streams.remove(connection.id());
        if (stream != null) {
            stream.cancel();
        }
    }

    private void close(WebSocketConnection connection, Throwable failure) {
        CloseReason reason;
        if (failure instanceof BackPressureFailure) {
            reason = new CloseReason(TRY_AGAIN_LATER, "too slow; reconnect with ?after= the last seq received");
        } else if (failure instanceof ProblemException p && p.status() == 404) {
            reason = new CloseReason(POLICY, "no such deployment");
        } else {
            Log.warnf("Log stream failed: %s", failure.getMessage());
            reason = new CloseReason(CloseReason.INTERNAL_SERVER_ERROR.getCode(), "stream failed; reconnect");
        }
        if (connection.isOpen()) {
            connection.close(reason).subscribe().with(x -> { }, e -> { });
        }
    }

    private String encode(StreamMessage message) {
        try {
            return json.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code after} query parameter: 0 when absent, -1 when not a number. */
    static long parseAfter(String query) {
        if (query == null) {
            return 0;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("after=")) {
                try {
                    return Math.max(-1, Long.parseLong(pair.substring("after=".length())));
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return 0;
    }
}
