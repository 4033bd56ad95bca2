package dev.slipway.logs;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.simulatorProject;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** Retention: lines of deployments finished longer ago than the retention period go, nothing else. */
@QuarkusTest
class LogRetentionTest {

    @Inject
    LogRetention retention;

    @Inject
    Pool pool;

    @Test
    void deletesOnlyTheLinesOfDeploymentsFinishedBeforeTheRetentionPeriod() {
        String project = simulatorProject(Map.of("buildSeconds", 0, "logLines", 12));
        String old = deploy(project, Map.of());
        awaitReady(old);
        String recent = deploy(project, Map.of("supersede", false));
        String borderline = deploy(project, Map.of("supersede", false));
        awaitReady(recent);
        awaitReady(borderline);

        // The default retention is 30 days.
        finishedDaysAgo(old, 31);
        finishedDaysAgo(borderline, 29);
        long deleted = retention.prune().await().atMost(Duration.ofSeconds(30));

        assertThat(deleted).isGreaterThanOrEqualTo(12);
        assertThat(seqs(old)).isEmpty();
        assertThat(seqs(recent)).hasSize(12);
        assertThat(seqs(borderline)).hasSize(12);
        // The deployment itself stays, and a late viewer still gets its end.
        admin().get("/api/v1/deployments/" + old).then().statusCode(200);
        String stream = admin().accept("text/event-stream").get("/api/v1/deployments/" + old + "/logs")
                .then().statusCode(200).extract().asString();
        assertThat(stream).contains("event:end").doesNotContain("event:log");
    }

    @Test
    void anotherReplicaPruningMakesThisOneSkipItsTurn() {
        String project = simulatorProject(Map.of("buildSeconds", 0, "logLines", 3));
        String old = deploy(project, Map.of());
        awaitReady(old);
        finishedDaysAgo(old, 40);

        // Another replica holds the lock (here: an open transaction of the test).
        long deleted = pool.withTransaction(conn -> conn.preparedQuery("select pg_advisory_xact_lock($1)")
                .execute(Tuple.of(LogRetention.LOCK)).chain(() -> retention.prune()))
                .await().atMost(Duration.ofSeconds(30));
        assertThat(deleted).isZero();
        assertThat(seqs(old)).hasSize(3);

        assertThat(retention.prune().await().atMost(Duration.ofSeconds(30))).isGreaterThanOrEqualTo(3);
        assertThat(seqs(old)).isEmpty();
    }

    private void finishedDaysAgo(String id, int days) {
        pool.preparedQuery("update deployment set finished_at = now() - $2 * interval '1 day' where id = $1")
                .execute(Tuple.of(Long.parseLong(id.substring(2)), days)).await().atMost(Duration.ofSeconds(10));
    }

    private static void awaitReady(String id) {
        await().atMost(Duration.ofSeconds(20)).until(() -> "READY".equals(
                admin().get("/api/v1/deployments/" + id).then().extract().path("status")));
    }

    private static List<Long> seqs(String id) {
        return admin().get("/api/v1/deployments/" + id + "/logs").then().statusCode(200).extract().jsonPath()
                .getList("items.seq", Long.class);
    }
}
