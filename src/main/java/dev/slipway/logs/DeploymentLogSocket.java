package dev.slipway.logs;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.security.RolesAllowed;

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
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

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
    /**
     * Messages handed to a connection and not yet written to its socket. Netty queues writes without limit,
     * so this window is what bounds the memory a stalled client holds on this replica; the rest of its
     * backlog stays in the deployment's shared ring (see {@link LogFanout}).
     */
    static final int WINDOW = 128;

    private final LogFanout fanout;
    private final Map<String, LogViewer> viewers = new ConcurrentHashMap<>();

    public DeploymentLogSocket(LogFanout fanout) {
        this.fanout = fanout;
    }

    @OnOpen
    public Uni<Void> open(@PathParam String id, WebSocketConnection connection) {
        var deploymentId = Deployment.parseId(id);
        long after = parseAfter(connection.handshakeRequest().query());
        if (deploymentId.isEmpty() || after < 0) {
            return connection.close(new CloseReason(POLICY, deploymentId.isEmpty() ? "no such deployment"
                    : "bad after"));
        }
        // Non-blocking, so this runs on the connection's event loop; later sends are scheduled there too.
        Sink sink = new Sink(connection, Vertx.currentContext());
        viewers.put(connection.id(), fanout.watch(deploymentId.getAsLong(), after, sink));
        return Uni.createFrom().voidItem();
    }

    @OnClose
    public void closed(WebSocketConnection connection) {
        LogViewer viewer = viewers.remove(connection.id());
        if (viewer != null) {
            viewer.stop();
        }
    }

    /** Writes to one connection, at most {@link #WINDOW} messages ahead of its socket. */
    private static final class Sink implements LogViewer.Sink {
        private final WebSocketConnection connection;
        private final Context context;
        private final AtomicInteger inFlight = new AtomicInteger();

        Sink(WebSocketConnection connection, Context context) {
            this.connection = connection;
            this.context = context;
        }

        @Override
        public int room() {
            return connection.isOpen() ? WINDOW - inFlight.get() : 0;
        }

        @Override
        public void send(StreamMessage message, String json, Runnable done) {
            inFlight.incrementAndGet();
            connection.sendText(json).subscribe().with(x -> {
                // Refill when half the window is free, not after every message: far fewer wake-ups.
                if (inFlight.decrementAndGet() == WINDOW / 2) {
                    done.run();
                }
            }, e -> inFlight.decrementAndGet());
        }

        @Override
        public void complete() {
            connection.close().subscribe().with(x -> { }, e -> { });
        }

        @Override
        public void tooSlow(long lastSeq) {
            Log.debugf("Closing a log viewer that fell behind at seq %d", lastSeq);
            close(new CloseReason(TRY_AGAIN_LATER, "too slow; reconnect with ?after=" + lastSeq));
        }

        @Override
        public void fail(Throwable failure) {
            if (failure instanceof ProblemException p && p.status() == 404) {
                close(new CloseReason(POLICY, "no such deployment"));
                return;
            }
            Log.warnf("Log stream failed: %s", failure.getMessage());
            close(new CloseReason(CloseReason.INTERNAL_SERVER_ERROR.getCode(), "stream failed; reconnect"));
        }

        @Override
        public void execute(Runnable task) {
            if (context == null || Vertx.currentContext() == context) {
                task.run();
            } else {
                context.runOnContext(v -> task.run());
            }
        }

        private void close(CloseReason reason) {
            if (connection.isOpen()) {
                connection.close(reason).subscribe().with(x -> { }, e -> { });
            }
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
