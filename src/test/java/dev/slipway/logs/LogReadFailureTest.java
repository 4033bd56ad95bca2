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
import io.restassured.RestAssured;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;

/**
 * A database read for live viewers fails (here: its connection is terminated mid-query). A finished deployment
 * announces nothing more, so the viewers must not wait for a notification to read again: they still get every
 * line and the end.
 */
@QuarkusTest
class LogReadFailureTest {

    @Inject
    Vertx vertx;

    @Inject
    Pool pool;

    @Test
    void viewerOfAFinishedDeploymentGetsItsLogAndEndAfterTheFirstReadFailed() throws Exception {
        String id = deploy(simulatorProject(Map.of("buildSeconds", 0, "logLines", 5)), Map.of());
        await().atMost(Duration.ofSeconds(20)).until(() -> "READY".equals(
                admin().get("/api/v1/deployments/" + id).then().extract().path("status")));

        // Hold the deployment table so the viewer's first read waits, then kill the connection it waits on.
        SqlConnection lock = pool.getConnection().await().atMost(Duration.ofSeconds(10));
        WsClient viewer;
        try {
            lock.query("begin").execute().await().atMost(Duration.ofSeconds(10));
            lock.query("lock table deployment in access exclusive mode").execute().await()
                    .atMost(Duration.ofSeconds(10));
            viewer = WsClient.connect(vertx, RestAssured.port, "/ws/deployments/" + id + "/logs", ADMIN_KEY);
            await().atMost(Duration.ofSeconds(10)).until(() -> !blockedSnapshotReads().isEmpty());
            pool.query("select pg_terminate_backend(pid) from pg_stat_activity where " + BLOCKED_SNAPSHOT_READ)
                    .execute().await().atMost(Duration.ofSeconds(10));
            await().atMost(Duration.ofSeconds(10)).until(() -> blockedSnapshotReads().isEmpty());
        } finally {
            lock.query("rollback").execute().await().atMost(Duration.ofSeconds(10));
            lock.close().await().atMost(Duration.ofSeconds(10));
        }

        await().atMost(Duration.ofSeconds(15)).until(viewer.closed::isDone);
        assertThat(viewer.closed.get()).isEqualTo((short) 1000);
        assertThat(viewer.seqs()).containsExactlyElementsOf(LongStream.rangeClosed(1, 5).boxed().toList());
        assertThat(viewer.ofType("end")).singleElement()
                .satisfies(m -> assertThat(m.getString("status")).isEqualTo("READY"));
    }

    /** A backend running the live viewers' status read, waiting for the lock. */
    private static final String BLOCKED_SNAPSHOT_READ = "wait_event_type = 'Lock' "
            + "and query like 'select status, status_reason, log_seq from deployment%'";

    private List<Integer> blockedSnapshotReads() {
        return pool.query("select pid from pg_stat_activity where " + BLOCKED_SNAPSHOT_READ).execute().await()
                .atMost(Duration.ofSeconds(10)).stream().map(r -> r.getInteger("pid")).toList();
    }
}
