package dev.slipway.platform;

import java.util.Optional;
import java.util.function.Consumer;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.pgclient.PgConnectOptions;

/**
 * This replica's one {@code LISTEN} connection to PostgreSQL, shared by every feature that needs to hear what
 * other replicas committed. It reconnects by itself, half a second after a drop; notifications sent while it
 * was down are lost, which is what the {@code listening} callback of {@link #listen(String, Consumer, Runnable)}
 * is for. Handlers run on the connection's event loop and must not block.
 */
@ApplicationScoped
public class PgNotifications {

    /** The {@code application_name} of the listening connection. */
    public static final String APPLICATION_NAME = "slipway-notifications";

    /** How long after a failed or lost connection listening is tried again. */
    static final long RECONNECT_MILLIS = 500;

    private final Vertx vertx;
    private final PgSubscriber subscriber;
    private volatile boolean stopped;

    public PgNotifications(Vertx vertx, @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> user,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        PgConnectOptions options = PgConnectOptions.fromUri(url.startsWith("vertx-reactive:")
                ? url.substring("vertx-reactive:".length()) : url);
        user.ifPresent(options::setUser);
        password.ifPresent(options::setPassword);
        // Named, so an operator (or a test) can tell this connection apart in pg_stat_activity.
        options.addProperty("application_name", APPLICATION_NAME);
        this.vertx = vertx;
        this.subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(retries -> RECONNECT_MILLIS);
    }

    /**
     * Calls {@code handler} with the payload of every notification on {@code channel}. Register from a
     * {@code StartupEvent} observer; a channel added after the connection is up is listened to at once.
     */
    public void listen(String channel, Consumer<String> handler) {
        listen(channel, handler, () -> { });
    }

    /**
     * The same, and {@code listening} runs each time the channel is listened to: first, and after every
     * reconnection, so a feature can catch up on what it may have missed while the connection was down.
     */
    public void listen(String channel, Consumer<String> handler, Runnable listening) {
        subscriber.channel(channel).handler(handler).subscribeHandler(listening);
    }

    /** Connects once every feature registered its channels at start-up. */
    void onStart(@Observes @Priority(5000) StartupEvent event) {
        connect();
    }

    /**
     * The subscriber's reconnect policy only covers a connection that was up and dropped; a first connection
     * that fails is closed and tried again here, or this replica would never hear another replica.
     */
    private void connect() {
        subscriber.connect().subscribe().with(
                x -> Log.debug("Listening for notifications from other replicas"),
                e -> {
                    Log.warnf("Could not listen for notifications (retrying in %d ms): %s", RECONNECT_MILLIS,
                            e.getMessage());
                    subscriber.close().subscribe().with(x -> retry(), f -> retry());
                });
    }

    private void retry() {
        if (!stopped) {
            vertx.setTimer(RECONNECT_MILLIS, id -> {
                if (!stopped) {
                    connect();
                }
            });
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stopped = true;
        subscriber.closeAndAwait();
    }
}
