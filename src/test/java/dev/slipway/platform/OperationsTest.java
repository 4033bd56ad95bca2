package dev.slipway.platform;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.as;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.key;
import static dev.slipway.support.Api.simulatorProject;
import static dev.slipway.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;

@QuarkusTest
class OperationsTest {

    private static final Pattern FINISHED_READY = Pattern.compile(
            "(?m)^slipway_deployments_finished_total\\{(?=[^}]*provider=\"simulator\")(?=[^}]*status=\"READY\")"
                    + "[^}]*\\} ([0-9.eE+-]+)$");

    @Test
    void readinessIsUp() {
        RestAssured.given().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.size()", org.hamcrest.Matchers.greaterThan(0));
        RestAssured.given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void metricsExposeTheQueueAndFinishedDeployments() {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(metrics())
                .contains("slipway_deployments_active")
                .contains("slipway_queue_depth"));
        double before = finishedReady(metrics());

        String id = deploy(simulatorProject(Map.of("buildSeconds", 0.5, "logLines", 2)), Map.of());
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(
                admin().get("/api/v1/deployments/" + id).then().statusCode(200).extract().<String>path("status"))
                .isEqualTo("READY"));

        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(finishedReady(metrics())).isGreaterThanOrEqualTo(before + 1));
    }

    @Test
    void openApiDescribesTheApi() {
        RestAssured.given().get("/q/openapi").then().statusCode(200)
                .body(containsString("/api/v1/deployments"))
                .body(containsString("/api/v1/projects"));
        RestAssured.given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200)
                .body("paths", notNullValue());
    }

    @Test
    void unknownPathsAreProblems() {
        admin().get("/api/v1/nope").then().statusCode(404)
                .contentType("application/problem+json")
                .body("status", equalTo(404));
        RestAssured.given().get("/api/v1/nope").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void noErrorAnswerShowsAStackTrace() {
        String project = simulatorProject(Map.of("buildSeconds", 0));
        String viewer = key("viewer");
        List<Response> answers = new ArrayList<>();
        answers.add(admin().get("/api/v1/nope"));
        answers.add(RestAssured.given().get("/api/v1/nope"));
        answers.add(admin().body("{\"project\":").post("/api/v1/deployments"));
        answers.add(admin().body("[1, 2, 3]").post("/api/v1/deployments"));
        answers.add(admin().body("\"just a string\"").post("/api/v1/deployments"));
        answers.add(admin().body(Map.of("project", project, "supersede", "maybe")).post("/api/v1/deployments"));
        answers.add(admin().body(Map.of("project", Map.of("nested", true))).post("/api/v1/deployments"));
        answers.add(admin().body(Map.of("project", project, "unknown", 1)).post("/api/v1/deployments"));
        answers.add(admin().body(Map.of("project", project, "environment", "staging")).post("/api/v1/deployments"));
        answers.add(admin().body(Map.of("project", uniqueName("ghost"))).post("/api/v1/deployments"));
        answers.add(admin().contentType("text/plain").body("hello").post("/api/v1/deployments"));
        answers.add(admin().accept("application/xml").get("/api/v1/deployments"));
        answers.add(admin().delete("/api/v1/deployments"));
        answers.add(admin().get("/api/v1/deployments/nonsense"));
        answers.add(admin().get("/api/v1/deployments/d-99999999999999999999"));
        answers.add(admin().get("/api/v1/deployments/d-999999999/logs"));
        answers.add(admin().accept("text/event-stream").get("/api/v1/deployments/d-999999999/logs"));
        answers.add(admin().get("/api/v1/deployments?size=abc&page=x"));
        answers.add(admin().get("/api/v1/deployments?status=BOGUS"));
        answers.add(admin().post("/api/v1/deployments/d-999999999/cancel"));
        answers.add(admin().body(Map.of("name", "x", "role", "root")).post("/api/v1/api-keys"));
        answers.add(admin().delete("/api/v1/api-keys/abc"));
        answers.add(admin().body(Map.of("name", project, "provider", "simulator")).post("/api/v1/projects"));
        answers.add(admin().body(Map.of("name", uniqueName("x"), "provider", "simulator", "target", "not an object"))
                .post("/api/v1/projects"));
        answers.add(as(viewer).body(Map.of("project", project)).post("/api/v1/deployments"));
        answers.add(as(viewer).get("/api/v1/audit"));
        answers.add(RestAssured.given().get("/api/v1/deployments"));
        answers.add(as("slw_not_a_real_key_at_all").get("/api/v1/queue"));
        answers.add(as("not even a slipway key").get("/api/v1/queue"));

        for (Response r : answers) {
            assertThat(r.statusCode()).as(r.asString()).isBetween(400, 499);
            assertThat(r.contentType()).as("status %d: %s", r.statusCode(), r.asString())
                    .startsWith("application/problem+json");
            assertThat(r.asString()).as("status %d", r.statusCode())
                    .doesNotContain("at dev.slipway")
                    .doesNotContain("Exception")
                    .doesNotContain("\tat ");
        }
    }

    @Test
    void errorAnswersAreProblemDocuments() {
        admin().body("{").post("/api/v1/deployments").then().statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("title", notNullValue())
                .body("detail", not(containsString("Exception")));
    }

    private static String metrics() {
        return RestAssured.given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static double finishedReady(String metrics) {
        Matcher m = FINISHED_READY.matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
