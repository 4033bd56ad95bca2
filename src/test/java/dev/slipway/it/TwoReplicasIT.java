package dev.slipway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.slipway.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Two replicas on one PostgreSQL: a viewer connected to replica B follows, live, a deployment that replica A
 * runs, and gets every line once, in order, while the deployment is still running.
 */
class TwoReplicasIT {

    private static final int LINES = 2000;
    private static final String KEY = java.util.Base64.getEncoder().encodeToString(randomBytes());

    @TempDir
    static Path workDir;

    private static EmbeddedPostgres postgres;
    private static Vertx vertx;

    @BeforeAll
    static void startDatabase() throws Exception {
        postgres = EmbeddedPostgres.builder().setDataDirectory(workDir.resolve("pg")).setCleanDataDirectory(true)
                .setServerConfig("max_connections", "200").start();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void viewerOnOneReplicaSeesLinesIngestedByTheOther() throws Exception {
        try (SlipwayProcess a = SlipwayProcess.start(workDir, "replica-a", database(Map.of()));
                // B never claims, so whatever runs, runs on A.
                SlipwayProcess b = SlipwayProcess.start(workDir, "replica-b",
                        database(Map.of("SLIPWAY_QUEUE_MAX_ACTIVE", "0")))) {
            b.admin().body(Map.of("name", "web-app", "provider", "simulator",
                    "target", Map.of("buildSeconds", 8, "logLines", LINES))).post("/api/v1/projects")
                    .then().statusCode(201);
            String id = a.admin().body(Map.of("project", "web-app")).post("/api/v1/deployments")
                    .then().statusCode(202).extract().path("id");

            WsClient viewer = WsClient.connect(vertx, new WebSocketClientOptions(), "localhost", b.port(),
                    "/ws/deployments/" + id + "/logs", SlipwayProcess.ADMIN_KEY);

            await().atMost(Duration.ofSeconds(60)).until(viewer.closed::isDone);
            assertThat(viewer.closed.get()).isEqualTo((short) 1000);
            assertThat(viewer.seqs()).containsExactlyElementsOf(LongStream.rangeClosed(1, LINES).boxed().toList());
            List<String> types = viewer.messages.stream().map(m -> m.getString("type")).toList();
            assertThat(types.get(types.size() - 1)).isEqualTo("end");
            assertThat(viewer.ofType("end").get(0).getString("status")).isEqualTo("READY");

            // Followed live: the last line reached B's viewer before A even finished the deployment (the
            // simulator writes its last line at 70 % of the build time, and finishes at 100 %).
            Instant finishedAt = Instant.parse(a.admin().get("/api/v1/deployments/" + id).then().statusCode(200)
                    .extract().path("finishedAt"));
            assertThat(viewer.receivedAt.get((long) LINES)).isBefore(finishedAt);
            assertThat(a.output()).contains("deployment " + id + " on simulator: claimed");
            assertThat(b.output()).doesNotContain("deployment " + id + " on simulator: claimed");
        }
    }

    private static byte[] randomBytes() {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return key;
    }

    private static Map<String, String> database(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(extra);
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", "postgresql://localhost:" + postgres.getPort() + "/postgres");
        env.put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres");
        env.put("QUARKUS_DATASOURCE_USERNAME", "postgres");
        // Replicas on an external database must share one keyring.
        env.put("SLIPWAY_ENCRYPTION_KEYS", "replicas:" + KEY);
        return env;
    }
}
