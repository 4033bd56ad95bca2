package dev.slipway.logs;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.simulatorProject;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.slipway.queue.QueueStore;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;

/**
 * What other replicas hear of a deployment: one notification per committed batch, carrying ids, sequence
 * numbers and states, never log text.
 */
@QuarkusTest
class NotificationTest {

    @Inject
    Vertx vertx;

    @ConfigProperty(name = "quarkus.datasource.reactive.url")
    String url;

    @ConfigProperty(name = "quarkus.datasource.username")
    Optional<String> user;

    @Test
    void eachBatchOfLinesIsAnnouncedOnceWithItsLastSeqAndNoText() throws Exception {
        List<String> payloads = new CopyOnWriteArrayList<>();
        PgConnectOptions options = PgConnectOptions.fromUri(url.replaceFirst("^vertx-reactive:", ""));
        user.ifPresent(options::setUser);
        // Listens as another replica would, on a connection of its own.
        PgConnection listener = PgConnection.connect(vertx, options).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        try {
            listener.notificationHandler(n -> {
                if (QueueStore.EVENTS_CHANNEL.equals(n.getChannel())) {
                    payloads.add(n.getPayload());
                }
            });
            listener.query("LISTEN " + QueueStore.EVENTS_CHANNEL).execute().toCompletionStage()
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);

            int lines = 600;
            String id = deploy(simulatorProject(Map.of("buildSeconds", 2, "logLines", lines)), Map.of());
            String prefix = id.substring(2) + ":";
            await().atMost(Duration.ofSeconds(20)).until(() -> payloads.stream()
                    .anyMatch(p -> p.startsWith(prefix) && p.contains(":READY:")));
            assertThat(admin().get("/api/v1/deployments/" + id).then().extract().<String>path("status"))
                    .isEqualTo("READY");

            List<String> mine = payloads.stream().filter(p -> p.startsWith(prefix)).toList();
            // deployment id : last log seq : status : whether the status changed, nothing else.
            assertThat(mine).allMatch(p -> p.matches(prefix + "\\d+:[A-Z_]+:[01]"), "id:seq:STATUS:0|1");
            List<Long> seqs = mine.stream().map(p -> Long.parseLong(p.split(":")[1])).toList();
            assertThat(seqs).isSorted();
            assertThat(seqs.get(seqs.size() - 1)).isEqualTo(lines);
            // Lines are stored a batch per statement, and each statement is announced once.
            long batches = seqs.stream().distinct().filter(s -> s > 0).count();
            assertThat(batches).isLessThan(lines / 10);
        } finally {
            listener.close();
        }
    }
}
