package dev.slipway.logs;

import static dev.slipway.support.Api.ADMIN_KEY;
import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.simulatorProject;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
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
import io.vertx.mutiny.sqlclient.Row;
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
        String project = simulatorProject(Map.of("buildSeconds", 0, "logLines", 10));
        String old = deploy(project, Map.of());
        awaitReady(old);
        String recent = deploy(project, Map.of("supersede", false));
        awaitReady(recent);
        finishedDaysAgo(old, 31);
        finishedDaysAgo(recent, 29);

        List<Row> deletes = recordingDeletes(() -> retention.prune().await().atMost(Duration.ofSeconds(30)));

        // Ten lines, three per batch: every delete but the last took a full batch, the last fewer (which is how
        // the job knows nothing more is due), each in a transaction of its own.
        List<Integer> sizes = deletes.stream().map(r -> r.getInteger("deleted")).toList();
        assertThat(sizes).hasSizeGreaterThanOrEqualTo(4);
        assertThat(sizes.subList(0, sizes.size() - 1)).containsOnly(3);
        assertThat(sizes.get(sizes.size() - 1)).isLessThan(3);
        assertThat(sizes.stream().mapToInt(Integer::intValue).sum()).isGreaterThanOrEqualTo(10);
        assertThat(deletes.stream().map(r -> r.getLong("tx")).distinct()).hasSameSizeAs(deletes);
        assertThat(lines(old)).isEmpty();
        assertThat(lines(recent)).hasSize(10);
    }

    /**
     * Runs {@code prune} while a statement-level trigger records each delete on {@code deployment_log}: how
     * many rows it removed and in which transaction. Answers the deletes in order, after checking that their
     * rows add up to what {@code prune} answered.
     */
    private List<Row> recordingDeletes(java.util.function.Supplier<Long> prune) {
        run("create table if not exists test_log_deletes (n bigserial primary key, deleted int not null, tx bigint)");
        run("truncate test_log_deletes");
        run("""
                create or replace function test_count_log_deletes() returns trigger language plpgsql as $$
                begin
                    insert into test_log_deletes (deleted, tx) select count(*), txid_current() from gone;
                    return null;
                end $$""");
        run("""
                create trigger test_log_deletes after delete on deployment_log referencing old table as gone
                for each statement execute function test_count_log_deletes()""");
        try {
            long deleted = prune.get();
            List<Row> rows = new ArrayList<>();
            pool.query("select deleted, tx from test_log_deletes order by n").execute().await()
                    .atMost(Duration.ofSeconds(10)).forEach(rows::add);
            assertThat(rows.stream().mapToLong(r -> r.getInteger("deleted")).sum()).isEqualTo(deleted);
            return rows;
        } finally {
            run("drop trigger test_log_deletes on deployment_log");
            run("drop function test_count_log_deletes()");
            run("drop table test_log_deletes");
        }
    }

    private void run(String sql) {
        pool.query(sql).execute().await().atMost(Duration.ofSeconds(10));
    }

    private void finishedDaysAgo(String id, int days) {
        pool.preparedQuery("update deployment set finished_at = now() - $2 * interval '1 day' where id = $1")
                .execute(Tuple.of(Long.parseLong(id.substring(2)), days)).await().atMost(Duration.ofSeconds(10));
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
