package dev.slipway.queue;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.simulatorProject;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.slipway.deployment.DeploymentStatus;
import dev.slipway.queue.QueueStore.Progress;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.vertx.RunOnVertxContext;
import io.quarkus.test.vertx.UniAsserter;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** With room for one deployment at a time, the queue starts the most urgent first, then the oldest. */
@QuarkusTest
@TestProfile(QueuePriorityTest.OneAtATime.class)
class QueuePriorityTest {

    /** A global limit of one active deployment. */
    public static class OneAtATime implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("slipway.queue.max-active", "1");
        }
    }

    @Inject
    QueueStore store;

    @Inject
    Pool pool;

    @Test
    void highestPriorityStartsFirstThenTheOldest() {
        // The blocker holds the only slot until the test cancels it, however slow the machine is.
        String blocker = deploy(simulatorProject(Map.of("buildSeconds", 600, "logLines", 1)), Map.of());
        awaitStatusIn(blocker, "STARTING", "BUILDING", "DEPLOYING");

        Map<String, Object> quick = Map.of("buildSeconds", 0, "logLines", 1);
        String low = deploy(simulatorProject(quick), Map.of("priority", "low"));
        String normal = deploy(simulatorProject(quick), Map.of("priority", "normal"));
        String urgent = deploy(simulatorProject(quick), Map.of("priority", "urgent"));
        String high = deploy(simulatorProject(quick), Map.of("priority", "high"));
        String normalLater = deploy(simulatorProject(quick), Map.of());
        List<String> queued = List.of(low, normal, urgent, high, normalLater);
        // While the blocker runs, nothing else may start.
        assertThat(queued).allSatisfy(id -> assertThat(status(id)).isEqualTo("QUEUED"));
        admin().post("/api/v1/deployments/" + blocker + "/cancel").then().statusCode(200);

        await().atMost(Duration.ofSeconds(30)).until(() -> queued.stream().allMatch(id -> "READY".equals(status(id))));
        List<String> startOrder = queued.stream()
                .sorted(Comparator.comparing(id -> Instant.parse(admin().get("/api/v1/deployments/" + id)
                        .then().extract().<String>path("startedAt"))))
                .toList();
        assertThat(startOrder).containsExactly(urgent, high, normal, normalLater, low);
    }

    @Test
    @RunOnVertxContext
    void aWriteWithAStaleLeaseEpochChangesNothing(UniAsserter asserter) {
        // A deployment another replica holds with epoch 7; its lease is far from expiring, so nobody takes it.
        String name = "fenced-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        asserter.assertThat(() -> pool.preparedQuery("insert into project (name, provider) values ($1, 'simulator') "
                + "returning id").execute(Tuple.of(name)).map(rows -> rows.iterator().next().getLong(0))
                .chain(projectId -> pool.preparedQuery("""
                        insert into deployment (project_id, provider, environment, status, lease_owner, lease_epoch,
                                                lease_expires_at, started_at, attempts)
                        values ($1, 'simulator', 'production', 'BUILDING', 'other-replica', 7,
                                now() + interval '1 hour', now(), 1)
                        returning id""").execute(Tuple.of(projectId)))
                .map(rows -> rows.iterator().next().getLong(0))
                .invoke(id -> fenced = id), id -> assertThat(id).isPositive());

        Progress fail = new Progress(DeploymentStatus.BUILDING, DeploymentStatus.FAILED,
                "written by a replica that lost the lease", null, null,
                List.of(new dev.slipway.provider.DeploymentProvider.LogLine(Instant.now(), "stdout", "late line")),
                null);
        asserter.assertThat(() -> store.advance(fenced, 6, fail, Duration.ofSeconds(30)),
                advanced -> assertThat(advanced.held()).isFalse());
        asserter.assertThat(() -> pool.preparedQuery("select d.status, d.status_reason, d.log_seq, "
                + "(select count(*) from deployment_log l where l.deployment_id = d.id) as lines "
                + "from deployment d where d.id = $1").execute(Tuple.of(fenced)).map(rows -> rows.iterator().next()),
                row -> {
                    assertThat(row.getString("status")).isEqualTo("BUILDING");
                    assertThat(row.getString("status_reason")).isNull();
                    assertThat(row.getLong("log_seq")).isZero();
                    assertThat(row.getLong("lines")).isZero();
                });

        // The holder of the current epoch can still write.
        asserter.assertThat(() -> store.advance(fenced, 7, fail, Duration.ofSeconds(30)),
                advanced -> assertThat(advanced.held()).isTrue());
        asserter.assertThat(() -> pool.preparedQuery("select status, log_seq, lease_owner from deployment where id = $1")
                .execute(Tuple.of(fenced)).map(rows -> rows.iterator().next()),
                row -> {
                    assertThat(row.getString("status")).isEqualTo("FAILED");
                    assertThat(row.getLong("log_seq")).isEqualTo(1);
                    assertThat(row.getString("lease_owner")).isNull();
                });
    }

    private long fenced;

    @Test
    void aDeploymentWhoseProcessKeepsDyingIsAbandoned() {
        // Claimed once and taken over twice already; its owner's lease has just expired again. The test
        // thread is not an event loop, so it may wait for the insert.
        String name = "doomed-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        long id = pool.preparedQuery("insert into project (name, provider) values ($1, 'simulator') returning id")
                .execute(Tuple.of(name)).map(rows -> rows.iterator().next().getLong(0))
                .chain(projectId -> pool.preparedQuery("""
                        insert into deployment (project_id, provider, environment, status, lease_owner, lease_epoch,
                                                lease_expires_at, started_at, attempts, provider_deployment_id)
                        values ($1, 'simulator', 'preview', 'BUILDING', 'dead-replica', 3,
                                now() - interval '1 second', now(), 3, 'sim-gone')
                        returning id""").execute(Tuple.of(projectId)))
                .map(rows -> rows.iterator().next().getLong(0))
                .await().atMost(Duration.ofSeconds(10));

        await().atMost(Duration.ofSeconds(10)).until(() -> "FAILED".equals(status("d-" + id)));
        admin().get("/api/v1/deployments/d-" + id).then()
                .body("attempts", org.hamcrest.Matchers.equalTo(4))
                .body("statusReason", org.hamcrest.Matchers.startsWith("abandoned after 3 takeovers"));
    }

    private static String status(String id) {
        return admin().get("/api/v1/deployments/" + id).then().extract().path("status");
    }

    private static void awaitStatusIn(String id, String... states) {
        await().atMost(Duration.ofSeconds(15)).until(() -> List.of(states).contains(status(id)));
    }
}
