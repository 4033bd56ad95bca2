package dev.slipway.support;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.ConfigProvider;

import dev.slipway.tracking.PollRequests;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.pgclient.PgConnectOptions;

/**
 * Listens, like another replica would, for the poll requests webhooks send through PostgreSQL, so a test can count
 * them for a deployment no replica follows. Notifications arrive in commit order: once a later request is seen,
 * every earlier one has been too.
 */
public final class PollProbe implements AutoCloseable {

    private final PgSubscriber subscriber;
    private final List<Long> requested = new CopyOnWriteArrayList<>();

    public PollProbe(Vertx vertx) {
        var config = ConfigProvider.getConfig();
        PgConnectOptions options = PgConnectOptions.fromUri(config.getValue("quarkus.datasource.reactive.url",
                String.class).replaceFirst("^vertx-reactive:", ""));
        config.getOptionalValue("quarkus.datasource.username", String.class).ifPresent(options::setUser);
        config.getOptionalValue("quarkus.datasource.password", String.class).ifPresent(options::setPassword);
        subscriber = PgSubscriber.subscriber(vertx, options);
        CompletableFuture<Void> listening = new CompletableFuture<>();
        subscriber.channel(PollRequests.CHANNEL).handler(payload -> requested.add(Long.parseLong(payload)))
                .subscribeHandler(() -> listening.complete(null));
        subscriber.connect().await().atMost(Duration.ofSeconds(10));
        // connect() may finish before LISTEN itself has run.
        listening.orTimeout(10, TimeUnit.SECONDS).join();
    }

    /** How many polls of deployment {@code id} (row id) were requested since the probe started. */
    public long count(long id) {
        return requested.stream().filter(r -> r == id).count();
    }

    /** How many polls of any deployment were requested since the probe started. */
    public long total() {
        return requested.size();
    }

    @Override
    public void close() {
        subscriber.close().await().atMost(Duration.ofSeconds(10));
    }
}
