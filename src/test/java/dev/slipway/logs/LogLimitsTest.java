package dev.slipway.logs;

import static dev.slipway.support.Api.ADMIN_KEY;
import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.simulatorProject;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.slipway.support.WsClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The line limit: lines up to the limit, then one marker line that counts every line dropped after it. And
 * the retention job's batch size, which bounds each of its deletes.
 */
@QuarkusTest
@TestProfile(LogLimitsTest.TenLines.class)
class LogLimitsTest {

    /** A limit of 10 lines; retention deletes 3 lines per batch. */
    public static class TenLines implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("slipway.logs.max-lines", "10", "slipway.logs.retention-batch", "3");
        }
    }

    @Inject
    Vertx vertx;

    @Inject
    LogRetention retention;

    @Inject
    Pool pool;

    @Test
    void markerCountsTheLinesDroppedInTheBatchThatReachedTheLimit() {
        String id = deploy(simulatorProject(Map.of("buildSeconds", 0, "logLines", 25)), Map.of());
        awaitReady(id);

        List<Map<String, Object>> items = lines(id);
        assertThat(items).extracting(m -> ((Number) m.get("seq")).longValue())
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 10).boxed().toList());
        assertThat((String) items.get(8).get("message")).startsWith("[9/25] compiling");
        assertThat(items.get(9).get("stream")).isEqualTo("system");
        assertThat(items.get(9).get("message")).isEqualTo(
                "[slipway] this deployment reached its limit of 10 log lines; 16 later lines were dropped");
    }

    @Test
    void markerKeepsCountingAcrossLaterBatchesAndViewersSeeTenLines() throws Exception {
        String id = deploy(simulatorProject(Map.of("buildSeconds", 3, "logLines", 40)), Map.of());
        WsClient viewer = WsClient.connect(vertx, RestAssured.port, "/ws/deployments/" + id + "/logs", ADMIN_KEY);
        awaitReady(id);

        List<Map<String, Object>> items = lines(id);
        assertThat(items).hasSize(10);
        // Lines arrive over several polls, so the marker was written once and rewritten as more were dropped.
        assertThat(items.get(9).get("message")).isEqualTo(
                "[slipway] this deployment reached its limit of 10 log lines; 31 later lines were dropped");

        await().atMost(Duration.ofSeconds(10)).until(viewer.closed::isDone);
        assertThat(viewer.seqs()).containsExactlyElementsOf(LongStream.rangeClosed(1, 10).boxed().toList());
        assertThat(viewer.ofType("end")).hasSize(1);
    }

    @Test
    void longLinesAreCutAt8KiB() {
        assertThat(LogRedactor.clean("x".repeat(20_000)).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .hasSizeLessThanOrEqualTo(LogRedactor.MAX_LINE_BYTES);
        assertThat(LogRedactor.clean("é".repeat(5_000))).endsWith(" [cut]").doesNotContain("\uFFFD");
    }

    @Test
    void retentionDeletesBatchAfterBatchUntilNothingIsDue() {
        String id = deploy(simulatorProject(Map.of("buildSeconds", 0, "logLines", 10)), Map.of());
        awaitReady(id);
        pool.preparedQuery("update deployment set finished_at = now() - interval '31 days' where id = $1")
                .execute(Tuple.of(Long.parseLong(id.substring(2)))).await().atMost(Duration.ofSeconds(10));

        // Ten lines, three per batch: four deletes, each in its own short transaction.
        assertThat(retention.prune().await().atMost(Duration.ofSeconds(30))).isGreaterThanOrEqualTo(10);
        assertThat(lines(id)).isEmpty();
    }

    private static void awaitReady(String id) {
        await().atMost(Duration.ofSeconds(20)).until(() -> "READY".equals(
                admin().get("/api/v1/deployments/" + id).then().extract().path("status")));
    }

    private static List<Map<String, Object>> lines(String id) {
        return admin().get("/api/v1/deployments/" + id + "/logs").then().statusCode(200).extract().jsonPath()
                .getList("items");
    }
}
