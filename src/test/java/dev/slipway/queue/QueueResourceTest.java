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

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

@QuarkusTest
class QueueResourceTest {

    @Test
    void summaryShowsQueuedActiveAndTheGlobalLimit() {
        admin().get("/api/v1/queue").then().statusCode(200)
                .contentType("application/json")
                .body("queued", greaterThanOrEqualTo(0))
                .body("active", greaterThanOrEqualTo(0))
                .body("maxActive", equalTo(10));
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
