package dev.slipway.platform;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;

/**
 * A replica whose {@code LISTEN} connection cannot be opened when it starts (the database is not reachable yet)
 * keeps trying, and hears other replicas once the database answers.
 */
@QuarkusTest
class PgNotificationsTest {

    private static final String CHANNEL = "slipway_test_late_database";

    @Inject
    Vertx vertx;

    @Inject
    Pool pool;

    @ConfigProperty(name = "quarkus.datasource.reactive.url")
    String url;

    @ConfigProperty(name = "quarkus.datasource.username")
    Optional<String> user;

    @ConfigProperty(name = "quarkus.datasource.password")
    Optional<String> password;

    @Test
    void listeningStartsOnceTheDatabaseAnswersAfterAFailedFirstConnection() throws Exception {
        PgConnectOptions database = PgConnectOptions.fromUri(url.replaceFirst("^vertx-reactive:", ""));
        AtomicBoolean up = new AtomicBoolean();
        AtomicInteger refused = new AtomicInteger();
        NetServer proxy = proxy(database, up, refused);
        PgNotifications notifications = new PgNotifications(vertx,
                "postgresql://127.0.0.1:" + proxy.actualPort() + "/" + database.getDatabase(), user, password);
        List<String> heard = new CopyOnWriteArrayList<>();
        notifications.listen(CHANNEL, heard::add);
        try {
            notifications.onStart(null);
            await().atMost(Duration.ofSeconds(10)).until(() -> refused.get() > 0);

            up.set(true);
            // A notification sent before the LISTEN is lost, so keep sending until one is heard.
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
                pool.preparedQuery("select pg_notify($1, 'hello')").execute(Tuple.of(CHANNEL)).await()
                        .atMost(Duration.ofSeconds(10));
                return heard.contains("hello");
            });
        } finally {
            notifications.onStop(null);
            proxy.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    /**
     * The database as the replica reaches it: while {@code up} is false, every connection is closed at once
     * (counted in {@code refused}), as by a database that is not accepting connections yet; then it is forwarded
     * to the test database.
     */
    private NetServer proxy(PgConnectOptions database, AtomicBoolean up, AtomicInteger refused) throws Exception {
        io.vertx.core.Vertx core = vertx.getDelegate();
        NetClient client = core.createNetClient();
        return core.createNetServer().connectHandler(downstream -> {
            if (!up.get()) {
                refused.incrementAndGet();
                downstream.close();
                return;
            }
            downstream.pause();
            client.connect(database.getPort(), database.getHost()).onSuccess(upstream -> {
                downstream.pipeTo(upstream);
                upstream.pipeTo(downstream);
                downstream.resume();
            }).onFailure(e -> downstream.close());
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get();
    }
}
