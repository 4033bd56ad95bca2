package dev.slipway.queue;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.as;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.key;
import static dev.slipway.support.Api.simulatorProject;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.mutiny.sqlclient.Pool;

@QuarkusTest
class QueueResourceTest {

    @Inject
    Pool pool;

    @Test
    void summaryShowsQueuedActiveAndTheGlobalLimit() {
        // Other tests' deployments may still be moving: compare with the table when it reads the same around the
        // request, and retry otherwise.
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            List<Long> before = depth();
            Map<String, Object> view = admin().get("/api/v1/queue").then().statusCode(200)
                    .contentType("application/json").extract().jsonPath().getMap("$");
            assertThat(depth()).as("the queue moved meanwhile").isEqualTo(before);
            assertThat(List.of(((Number) view.get("queued")).longValue(), ((Number) view.get("active")).longValue()))
                    .isEqualTo(before);
            assertThat(view.get("maxActive")).isEqualTo(10);
        });
    }

    /** Queued and active deployments, counted in the table itself. */
    private List<Long> depth() {
        io.vertx.mutiny.sqlclient.Row row = pool.query("""
                select count(*) filter (where status = 'QUEUED') as queued,
                       count(*) filter (where status in ('STARTING', 'BUILDING', 'DEPLOYING')) as active
                from deployment""").execute().await().atMost(Duration.ofSeconds(5)).iterator().next();
        return List.of(row.getLong("queued"), row.getLong("active"));
    }

    @Test
    void summaryCountsWaitingAndRunningDeployments() {
        String project = simulatorProject(Map.of("buildSeconds", 30, "logLines", 1));
        String running = deploy(project, Map.of());
        String waiting = null;
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> Set.of("STARTING", "BUILDING", "DEPLOYING")
                    .contains(status(running)));
            waiting = deploy(project, Map.of());
            assertThat(status(waiting)).isEqualTo("QUEUED");

            admin().get("/api/v1/queue").then().statusCode(200)
                    .body("active", greaterThanOrEqualTo(1))
                    .body("queued", greaterThanOrEqualTo(1));
        } finally {
            for (String id : waiting == null ? List.of(running) : List.of(waiting, running)) {
                assertThat(admin().post("/api/v1/deployments/" + id + "/cancel").statusCode()).isIn(200, 409);
            }
        }
    }

    @Test
    void viewersMayReadTheQueueAnonymousMayNot() {
        as(key("viewer")).get("/api/v1/queue").then().statusCode(200).body("maxActive", equalTo(10));
        RestAssured.given().get("/api/v1/queue").then().statusCode(401)
                .contentType("application/problem+json").header("WWW-Authenticate", "Bearer");
        as("slw_not_a_real_key_at_all").get("/api/v1/queue").then().statusCode(401);
    }

    private static String status(String id) {
        return admin().get("/api/v1/deployments/" + id).then().statusCode(200).extract().path("status");
    }
}
