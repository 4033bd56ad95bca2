package dev.slipway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.slipway.queue.QueueStore;
import dev.slipway.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Two replicas on one PostgreSQL, where only replica A may run deployments: viewers and dashboards connected
 * to replica B follow, live, what A does.
 */
class TwoReplicasIT {

    private static final int LINES = 2000;
    private static final String KEY = java.util.Base64.getEncoder().encodeToString(randomBytes());

    @TempDir
    static Path workDir;

    private static EmbeddedPostgres postgres;
    private static Vertx vertx;
    private static SlipwayProcess a;
    private static SlipwayProcess b;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgres.builder().setDataDirectory(workDir.resolve("pg")).setCleanDataDirectory(true)
                .setServerConfig("max_connections", "200").start();
        vertx = Vertx.vertx();
        a = SlipwayProcess.start(workDir, "replica-a", database(Map.of()));
        // B never claims, so whatever runs, runs on A.
        b = SlipwayProcess.start(workDir, "replica-b", database(Map.of("SLIPWAY_QUEUE_MAX_ACTIVE", "0")));
    }

    @AfterAll
    static void stop() throws Exception {
        for (SlipwayProcess replica : new SlipwayProcess[] { b, a }) {
            if (replica != null) {
                replica.close();
            }
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void dashboardOnOneReplicaSeesEveryStatusChangeOfADeploymentTheOtherRuns() throws Exception {
        WsClient dashboard = WsClient.connect(vertx, b.port(), "/ws/events", SlipwayProcess.ADMIN_KEY);
        String id = deployOnA(project(8, 20));

        await().atMost(Duration.ofSeconds(60)).until(() -> statuses(dashboard, id).contains("READY"));
        // The simulator spends at least 0.8 s in each phase and A polls it every 250 ms, so A sees each one.
        assertThat(statuses(dashboard, id)).containsExactly("QUEUED", "STARTING", "BUILDING", "DEPLOYING", "READY");
        assertRanOnA(id);
        dashboard.socket.close();
    }

    @Test
    void viewerOnOneReplicaGetsLinesIngestedByTheOtherWithinASecond() throws Exception {
        Announcements announced = new Announcements();
        PgConnection listener = announced.listen();
        try {
            String id = deployOnA(project(8, LINES));
            WsClient viewer = WsClient.connect(vertx, b.port(), "/ws/deployments/" + id + "/logs",
                    SlipwayProcess.ADMIN_KEY);
            Instant joined = Instant.now();

            await().atMost(Duration.ofSeconds(60)).until(viewer.closed::isDone);
            assertThat(viewer.closed.get()).isEqualTo((short) 1000);
            assertThat(viewer.seqs()).containsExactlyElementsOf(LongStream.rangeClosed(1, LINES).boxed().toList());
            List<String> types = viewer.messages.stream().map(m -> m.getString("type")).toList();
            assertThat(types.get(types.size() - 1)).isEqualTo("end");
            assertThat(viewer.ofType("end").get(0).getString("status")).isEqualTo("READY");
            assertRanOnA(id);

            // One clock, the test's: when it heard A's NOTIFY for the batch holding a line (when B's listener
            // hears it too), and when B's viewer received that line. Only lines committed after the viewer
            // joined count; earlier ones came from the stored history. The issue asks for "within one second":
            // 95 % of the lines are held to that, and the median to a quarter of it. A single slow moment of a
            // loaded 2-core machine (a GC pause, the other process's JIT) can delay one batch, so not the worst.
            List<Long> delays = new ArrayList<>();
            for (long seq = 1; seq <= LINES; seq++) {
                Instant committed = announced.committedAt(id, seq);
                if (committed != null && committed.isAfter(joined)) {
                    delays.add(Duration.between(committed, viewer.receivedAt.get(seq)).toMillis());
                }
            }
            assertThat(delays).as("lines committed while the viewer watched").hasSizeGreaterThan(LINES / 2);
            delays.sort(null);
            long median = delays.get(delays.size() / 2);
            long p95 = delays.get(delays.size() * 95 / 100);
            System.out.printf("NOTIFY on A to viewer on B: median %d ms, p95 %d ms, max %d ms over %d lines%n",
                    median, p95, delays.get(delays.size() - 1), delays.size());
            assertThat(median).as("median delay in ms, NOTIFY to viewer on B").isLessThan(250);
            assertThat(p95).as("95th percentile delay in ms, NOTIFY to viewer on B").isLessThan(1000);
        } finally {
            listener.close();
        }
    }

    /**
     * What the test hears on Slipway's channel, listening as a third replica would: when each log line was
     * announced. A payload is {@code id:lastSeq:STATUS:changed} and announces the lines after the previous
     * one's seq up to {@code lastSeq}.
     */
    private static final class Announcements {
        private final Map<Long, Long> lastSeq = new ConcurrentHashMap<>();
        private final Map<String, Instant> committedAt = new ConcurrentHashMap<>();

        PgConnection listen() throws Exception {
            PgConnectOptions options = new PgConnectOptions().setHost("localhost").setPort(postgres.getPort())
                    .setUser("postgres").setDatabase("postgres");
            PgConnection listener = PgConnection.connect(vertx, options).toCompletionStage().toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            listener.notificationHandler(n -> {
                if (QueueStore.EVENTS_CHANNEL.equals(n.getChannel())) {
                    heard(n.getPayload(), Instant.now());
                }
            });
            listener.query("LISTEN " + QueueStore.EVENTS_CHANNEL).execute().toCompletionStage()
                    .toCompletableFuture().get(10, TimeUnit.SECONDS);
            return listener;
        }

        private void heard(String payload, Instant now) {
            String[] parts = payload.split(":");
            long deployment = Long.parseLong(parts[0]);
            long upTo = Long.parseLong(parts[1]);
            for (long seq = lastSeq.getOrDefault(deployment, 0L) + 1; seq <= upTo; seq++) {
                committedAt.put(deployment + ":" + seq, now);
            }
            lastSeq.merge(deployment, upTo, Math::max);
        }

        /** When the line was announced; null if it never was. */
        Instant committedAt(String id, long seq) {
            return committedAt.get(id.substring(2) + ":" + seq);
        }
    }

    private static String project(int buildSeconds, int lines) {
        String name = "web-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        b.admin().body(Map.of("name", name, "provider", "simulator",
                "target", Map.of("buildSeconds", buildSeconds, "logLines", lines))).post("/api/v1/projects")
                .then().statusCode(201);
        return name;
    }

    private static String deployOnA(String project) {
        return a.admin().body(Map.of("project", project)).post("/api/v1/deployments")
                .then().statusCode(202).extract().path("id");
    }

    private static void assertRanOnA(String id) {
        assertThat(a.output()).contains("deployment " + id + " on simulator: claimed");
        assertThat(b.output()).doesNotContain("deployment " + id + " on simulator: claimed");
    }

    /** The statuses a dashboard was told of for one deployment, in order. */
    private static List<String> statuses(WsClient dashboard, String id) {
        return dashboard.ofType("status").stream().filter(m -> id.equals(m.getString("deploymentId")))
                .map(m -> m.getString("status")).toList();
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
