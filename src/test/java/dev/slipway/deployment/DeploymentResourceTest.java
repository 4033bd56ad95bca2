package dev.slipway.deployment;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.as;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.key;
import static dev.slipway.support.Api.simulatorProject;
import static dev.slipway.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;

@QuarkusTest
class DeploymentResourceTest {

    private static final Duration FINISH = Duration.ofSeconds(20);
    private static final Set<String> ACTIVE = Set.of("STARTING", "BUILDING", "DEPLOYING");

    @jakarta.inject.Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    @Test
    void createAnswersAcceptedWithLocationAndTheQueuedDeployment() {
        String project = simulatorProject(Map.of("buildSeconds", 0));
        Response created = admin().body(Map.of("project", project)).post("/api/v1/deployments");
        created.then().statusCode(202)
                .contentType("application/json")
                .header("Idempotent-Replayed", nullValue())
                .body("id", matchesPattern("d-[1-9][0-9]*"))
                .body("project", equalTo(project))
                .body("provider", equalTo("simulator"))
                .body("environment", equalTo("production"))
                .body("priority", equalTo("normal"))
                .body("status", equalTo("QUEUED"))
                .body("attempts", equalTo(0))
                .body("createdAt", notNullValue())
                .body("finishedAt", nullValue());
        String id = created.path("id");
        assertThat(created.header("Location")).endsWith("/api/v1/deployments/" + id);

        admin().get(created.header("Location")).then().statusCode(200).body("id", equalTo(id))
                .body("project", equalTo(project));
        awaitStatus(id, "READY");
    }

    @Test
    void simulatorDeploymentReachesReadyWithGaplessLogs() {
        String project = simulatorProject(Map.of("buildSeconds", 1, "logLines", 5));
        String id = deploy(project, Map.of("ref", "main", "priority", "high"));

        awaitStatus(id, "READY");
        admin().get("/api/v1/deployments/" + id).then().statusCode(200)
                .body("status", equalTo("READY"))
                .body("ref", equalTo("main"))
                .body("priority", equalTo("high"))
                .body("url", startsWith("https://"))
                .body("providerDeploymentId", not(emptyOrNullString()))
                .body("attempts", equalTo(1))
                .body("statusReason", nullValue())
                .body("startedAt", notNullValue())
                .body("finishedAt", notNullValue());

        admin().get("/api/v1/deployments/" + id + "/logs").then().statusCode(200)
                .body("items.seq", contains(1, 2, 3, 4, 5))
                .body("items.at", everyItem(notNullValue()))
                .body("items.stream", everyItem(notNullValue()))
                .body("items.message", everyItem(not(emptyOrNullString())));
        admin().get("/api/v1/deployments/" + id + "/logs?after=2").then().statusCode(200)
                .body("items.seq", contains(3, 4, 5));
        admin().get("/api/v1/deployments/" + id + "/logs?limit=2").then().statusCode(200)
                .body("items.seq", contains(1, 2));
        admin().get("/api/v1/deployments/" + id + "/logs?after=2&limit=2").then().statusCode(200)
                .body("items.seq", contains(3, 4));
        admin().get("/api/v1/deployments/" + id + "/logs?after=5").then().statusCode(200)
                .body("items.size()", equalTo(0));

        admin().get("/api/v1/deployments/" + id + "/logs?limit=0").then().statusCode(400)
                .contentType("application/problem+json").body("errors.field", hasItem("limit"));
        admin().get("/api/v1/deployments/" + id + "/logs?after=-1").then().statusCode(400)
                .body("errors.field", hasItem("after"));
        admin().get("/api/v1/deployments/" + id + "/logs?after=abc").then().statusCode(400)
                .body("errors.field", hasItem("after"));
        admin().get("/api/v1/deployments/d-999999999/logs").then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void failedOutcomeEndsFailedWithAReason() {
        String project = simulatorProject(Map.of("buildSeconds", 0.5, "outcome", "failed", "logLines", 3));
        String id = deploy(project, Map.of());

        awaitStatus(id, "FAILED");
        admin().get("/api/v1/deployments/" + id).then().statusCode(200)
                .body("statusReason", not(emptyOrNullString()))
                .body("url", nullValue())
                .body("finishedAt", notNullValue());
        admin().get("/api/v1/deployments/" + id + "/logs").then().statusCode(200)
                .body("items.seq", contains(1, 2, 3));
    }

    @Test
    void invalidRequestsAreRefusedWithFieldErrors() {
        String project = simulatorProject(Map.of("buildSeconds", 0));

        admin().body(Map.of("project", project, "environment", "staging")).post("/api/v1/deployments")
                .then().statusCode(400).contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("errors.field", contains("environment"));
        admin().body(Map.of("project", project, "priority", "asap")).post("/api/v1/deployments")
                .then().statusCode(400).body("errors.field", contains("priority"));
        admin().body(Map.of("environment", "production")).post("/api/v1/deployments")
                .then().statusCode(400).body("errors.field", contains("project"));
        admin().body(Map.of("project", project, "ref", "my branch")).post("/api/v1/deployments")
                .then().statusCode(400).body("errors.field", contains("ref"));
        admin().header("Idempotency-Key", "has a space").body(Map.of("project", project))
                .post("/api/v1/deployments")
                .then().statusCode(400).body("errors.field", contains("Idempotency-Key"));
        admin().header("Idempotency-Key", "k".repeat(256)).body(Map.of("project", project))
                .post("/api/v1/deployments")
                .then().statusCode(400).body("errors.field", contains("Idempotency-Key"));

        // Every problem at once, so a client can fix them all in one go.
        admin().body(Map.of("environment", "staging", "priority", "asap", "ref", "a b"))
                .post("/api/v1/deployments")
                .then().statusCode(400)
                .body("errors.field", containsInAnyOrder("project", "environment", "priority", "ref"));

        admin().body("{\"project\":").post("/api/v1/deployments").then().statusCode(400)
                .contentType("application/problem+json");
        admin().body(Map.of("project", project, "supersede", "maybe")).post("/api/v1/deployments")
                .then().statusCode(400).body("errors.field", hasItem("supersede"));
        admin().body(Map.of("project", project, "colour", "red")).post("/api/v1/deployments")
                .then().statusCode(400).body("errors.field", hasItem("colour"));
        admin().post("/api/v1/deployments").then().statusCode(400).contentType("application/problem+json");

        // Nothing half-written: none of the refused requests left a deployment behind.
        admin().get("/api/v1/deployments?project=" + project).then().statusCode(200).body("total", equalTo(0));
    }

    @Test
    void unknownProjectIsUnprocessable() {
        admin().body(Map.of("project", uniqueName("ghost"))).post("/api/v1/deployments")
                .then().statusCode(422).contentType("application/problem+json")
                .body("status", equalTo(422))
                .body("detail", not(emptyOrNullString()));
    }

    @Test
    void idempotencyKeyReplaysTheSameRequestAndRefusesADifferentOne() {
        String project = simulatorProject(Map.of("buildSeconds", 0));
        String idempotencyKey = "release-" + uniqueName("k");
        Map<String, Object> body = Map.of("project", project, "ref", "v1.0.0");

        Response first = admin().header("Idempotency-Key", idempotencyKey).body(body).post("/api/v1/deployments");
        first.then().statusCode(202).header("Idempotent-Replayed", nullValue());
        String id = first.path("id");

        admin().header("Idempotency-Key", idempotencyKey).body(body).post("/api/v1/deployments")
                .then().statusCode(202)
                .header("Idempotent-Replayed", "true")
                .header("Location", endsWith("/api/v1/deployments/" + id))
                .body("id", equalTo(id))
                .body("ref", equalTo("v1.0.0"));
        // The defaults are part of the request: spelling them out is the same request.
        admin().header("Idempotency-Key", idempotencyKey)
                .body(Map.of("project", project, "ref", "v1.0.0", "environment", "production", "priority", "normal"))
                .post("/api/v1/deployments")
                .then().statusCode(202).body("id", equalTo(id));

        admin().header("Idempotency-Key", idempotencyKey).body(Map.of("project", project, "ref", "v2.0.0"))
                .post("/api/v1/deployments")
                .then().statusCode(409).contentType("application/problem+json");

        // Idempotency keys belong to the API key that used them.
        String other = as(key("deployer")).header("Idempotency-Key", idempotencyKey).body(body)
                .post("/api/v1/deployments")
                .then().statusCode(202).header("Idempotent-Replayed", nullValue())
                .extract().path("id");
        assertThat(other).isNotEqualTo(id);

        admin().get("/api/v1/deployments?project=" + project).then().statusCode(200).body("total", equalTo(2));
        awaitStatus(other, "READY");
    }

    @Test
    void anIdempotencyKeyOlderThan24HoursCreatesANewDeployment() {
        String project = simulatorProject(Map.of("buildSeconds", 0));
        String idempotencyKey = "nightly-" + uniqueName("k");
        Map<String, Object> body = Map.of("project", project);
        String first = admin().header("Idempotency-Key", idempotencyKey).body(body).post("/api/v1/deployments")
                .then().statusCode(202).extract().path("id");

        // Aged by the database clock, which judges the window: just inside it, the key still answers the first.
        age(first, 24 * 60 - 1);
        admin().header("Idempotency-Key", idempotencyKey).body(body).post("/api/v1/deployments")
                .then().statusCode(202).header("Idempotent-Replayed", "true").body("id", equalTo(first));

        age(first, 24 * 60 + 1);
        String second = admin().header("Idempotency-Key", idempotencyKey).body(body).post("/api/v1/deployments")
                .then().statusCode(202).header("Idempotent-Replayed", nullValue()).extract().path("id");
        assertThat(second).isNotEqualTo(first);
        // The key now belongs to the new deployment, for its own 24 hours.
        admin().header("Idempotency-Key", idempotencyKey).body(body).post("/api/v1/deployments")
                .then().statusCode(202).header("Idempotent-Replayed", "true").body("id", equalTo(second));
        admin().get("/api/v1/deployments?project=" + project).then().statusCode(200).body("total", equalTo(2));
    }

    private void age(String publicId, int minutes) {
        pool.preparedQuery("update deployment set created_at = now() - $2 * interval '1 minute' where id = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(Long.parseLong(publicId.substring(2)), minutes))
                .await().atMost(Duration.ofSeconds(5));
    }

    @Test
    void concurrentRetriesWithOneIdempotencyKeyCreateOneDeployment() throws Exception {
        String project = simulatorProject(Map.of("buildSeconds", 0));
        String idempotencyKey = uniqueName("retry");
        Map<String, Object> body = Map.of("project", project);
        int clients = 6;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Response>> answers = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return admin().header("Idempotency-Key", idempotencyKey).body(body).post("/api/v1/deployments");
                }, pool));
            }
            go.countDown();
            List<String> ids = new ArrayList<>();
            for (CompletableFuture<Response> answer : answers) {
                Response r = answer.get(30, TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.asString()).isEqualTo(202);
                ids.add(r.path("id"));
            }
            assertThat(ids).containsOnly(ids.get(0));
        } finally {
            pool.shutdownNow();
        }
        admin().get("/api/v1/deployments?project=" + project).then().statusCode(200).body("total", equalTo(1));
    }

    @Test
    void newerQueuedDeploymentSupersedesOlderQueuedOnes() {
        String project = simulatorProject(Map.of("buildSeconds", 30, "logLines", 1));
        List<String> started = new ArrayList<>();
        try {
            String running = track(started, deploy(project, Map.of()));
            awaitActive(running);

            String second = track(started, deploy(project, Map.of()));
            // One active deployment per project and environment: the second waits.
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5))
                    .until(() -> status(second).equals("QUEUED"));

            String third = track(started, deploy(project, Map.of()));
            admin().get("/api/v1/deployments/" + second).then().statusCode(200)
                    .body("status", equalTo("CANCELED"))
                    .body("statusReason", equalTo("superseded by " + third))
                    .body("finishedAt", notNullValue());
            assertThat(status(third)).isEqualTo("QUEUED");
            assertThat(status(running)).isIn(ACTIVE);

            // "supersede": false keeps the older queued deployment.
            String fourth = track(started, deploy(project, Map.of("supersede", false)));
            assertThat(status(third)).isEqualTo("QUEUED");
            assertThat(status(fourth)).isEqualTo("QUEUED");

            // Another environment is a separate lane: it neither supersedes nor waits.
            String preview = track(started, deploy(project, Map.of("environment", "preview")));
            assertThat(status(third)).isEqualTo("QUEUED");
            assertThat(status(fourth)).isEqualTo("QUEUED");
            awaitActive(preview);
        } finally {
            cancelAll(started);
        }
    }

    @Test
    void concurrentRequestsForOneLaneLeaveOnlyTheNewestQueued() throws Exception {
        String project = simulatorProject(Map.of("buildSeconds", 60, "logLines", 1));
        List<String> started = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            String running = track(started, deploy(project, Map.of()));
            awaitActive(running);

            // Rounds of two requests released at the same moment: however they interleave, the newer supersedes
            // the older (and every earlier round's survivor), so one deployment is queued after each round.
            for (int round = 0; round < 15; round++) {
                java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
                List<CompletableFuture<String>> pair = List.of(
                        CompletableFuture.supplyAsync(() -> deployTogether(together, project), pool),
                        CompletableFuture.supplyAsync(() -> deployTogether(together, project), pool));
                List<String> ids = new ArrayList<>();
                for (CompletableFuture<String> request : pair) {
                    ids.add(track(started, request.get(30, TimeUnit.SECONDS)));
                }
                String newer = ids.stream().max(java.util.Comparator.comparingLong(id -> Long.parseLong(
                        id.substring(2)))).orElseThrow();
                String older = ids.get(0).equals(newer) ? ids.get(1) : ids.get(0);
                assertThat(status(newer)).as("round %d, %s", round, newer).isEqualTo("QUEUED");
                assertThat(status(older)).as("round %d, %s", round, older).isEqualTo("CANCELED");
            }
            assertThat(status(running)).isIn(ACTIVE);
        } finally {
            pool.shutdownNow();
            cancelAll(started);
        }
    }

    private static String deployTogether(java.util.concurrent.CyclicBarrier together, String project) {
        try {
            together.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return deploy(project, Map.of());
    }

    @Test
    void cancellingAQueuedDeployment() {
        String project = simulatorProject(Map.of("buildSeconds", 30, "logLines", 1));
        List<String> started = new ArrayList<>();
        try {
            String running = track(started, deploy(project, Map.of()));
            awaitActive(running);
            String queued = track(started, deploy(project, Map.of()));
            assertThat(status(queued)).isEqualTo("QUEUED");

            admin().post("/api/v1/deployments/" + queued + "/cancel").then().statusCode(200)
                    .body("id", equalTo(queued))
                    .body("status", equalTo("CANCELED"))
                    .body("statusReason", startsWith("canceled by"))
                    .body("finishedAt", notNullValue());
            admin().get("/api/v1/deployments/" + queued).then().body("status", equalTo("CANCELED"));
            admin().post("/api/v1/deployments/" + queued + "/cancel").then().statusCode(409)
                    .contentType("application/problem+json");
        } finally {
            cancelAll(started);
        }
    }

    @Test
    void cancellingARunningDeploymentStopsIt() {
        String project = simulatorProject(Map.of("buildSeconds", 30, "logLines", 1000));
        List<String> started = new ArrayList<>();
        try {
            String id = track(started, deploy(project, Map.of()));
            awaitActive(id);

            String answered = admin().post("/api/v1/deployments/" + id + "/cancel").then().statusCode(200)
                    .body("status", equalTo("CANCELED"))
                    .body("finishedAt", notNullValue())
                    .extract().path("finishedAt");
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
                    .until(() -> status(id).equals("CANCELED"));
            // The answer says what was stored, to the microsecond.
            admin().get("/api/v1/deployments/" + id).then().body("finishedAt", equalTo(answered));
        } finally {
            cancelAll(started);
        }
    }

    @Test
    void aCancelledRunningDeploymentNeverFinishesAfterwards() {
        // Short enough that, were cancelling not to stop the tracker, it would reach READY while we watch.
        String project = simulatorProject(Map.of("buildSeconds", 3, "logLines", 20));
        String id = deploy(project, Map.of());
        awaitActive(id);
        admin().post("/api/v1/deployments/" + id + "/cancel").then().statusCode(200)
                .body("status", equalTo("CANCELED"));
        int lines = admin().get("/api/v1/deployments/" + id + "/logs").then().statusCode(200)
                .extract().path("items.size()");

        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6))
                .until(() -> status(id).equals("CANCELED"));
        admin().get("/api/v1/deployments/" + id).then()
                .body("url", nullValue())
                .body("statusReason", startsWith("canceled by"));
        // The log may get the lines that were in flight, but no more than the build had produced by then.
        int after = admin().get("/api/v1/deployments/" + id + "/logs").then().statusCode(200)
                .extract().path("items.size()");
        assertThat(after).isLessThan(20);
        assertThat(after).isGreaterThanOrEqualTo(lines);
    }

    @Test
    void cancellingAFinishedDeploymentConflicts() {
        String project = simulatorProject(Map.of("buildSeconds", 0));
        String id = deploy(project, Map.of());
        awaitStatus(id, "READY");

        admin().post("/api/v1/deployments/" + id + "/cancel").then().statusCode(409)
                .contentType("application/problem+json")
                .body("status", equalTo(409));
        assertThat(status(id)).isEqualTo("READY");
    }

    @Test
    void unknownDeploymentsAreNotFound() {
        for (String id : List.of("d-999999999", "nonsense", "d-0", "d--1", "d-99999999999999999999")) {
            admin().get("/api/v1/deployments/" + id).then().statusCode(404)
                    .contentType("application/problem+json").body("status", equalTo(404));
            admin().post("/api/v1/deployments/" + id + "/cancel").then().statusCode(404)
                    .contentType("application/problem+json");
            admin().post("/api/v1/deployments/" + id + "/redeploy").then().statusCode(404)
                    .contentType("application/problem+json");
            admin().get("/api/v1/deployments/" + id + "/logs").then().statusCode(404)
                    .contentType("application/problem+json");
        }
    }

    @Test
    void redeployQueuesANewDeploymentOfTheSameThing() {
        String project = simulatorProject(Map.of("buildSeconds", 0));
        String id = deploy(project, Map.of("environment", "preview", "ref", "feature/login", "priority", "urgent"));
        awaitStatus(id, "READY");

        Response again = admin().post("/api/v1/deployments/" + id + "/redeploy");
        again.then().statusCode(202)
                .body("id", not(equalTo(id)))
                .body("project", equalTo(project))
                .body("environment", equalTo("preview"))
                .body("ref", equalTo("feature/login"))
                .body("priority", equalTo("urgent"))
                .body("status", equalTo("QUEUED"));
        String newId = again.path("id");
        assertThat(again.header("Location")).endsWith("/api/v1/deployments/" + newId);
        awaitStatus(newId, "READY");
        assertThat(status(id)).isEqualTo("READY");
    }

    @Test
    void listFiltersAndPages() {
        String project = simulatorProject(Map.of("buildSeconds", 0));
        String production = deploy(project, Map.of());
        awaitStatus(production, "READY");
        String preview = deploy(project, Map.of("environment", "preview"));
        awaitStatus(preview, "READY");
        String failing = simulatorProject(Map.of("buildSeconds", 0, "outcome", "failed"));
        String failed = deploy(failing, Map.of());
        awaitStatus(failed, "FAILED");

        admin().get("/api/v1/deployments?project=" + project).then().statusCode(200)
                .body("total", equalTo(2))
                .body("page", equalTo(0))
                .body("size", equalTo(20))
                .body("items.id", contains(preview, production))
                .body("items.project", everyItem(equalTo(project)));
        admin().get("/api/v1/deployments?project=" + project + "&environment=preview").then().statusCode(200)
                .body("total", equalTo(1)).body("items.id", contains(preview));
        admin().get("/api/v1/deployments?project=" + project + "&environment=production").then()
                .body("total", equalTo(1)).body("items.id", contains(production));
        admin().get("/api/v1/deployments?project=" + project + "&status=READY").then()
                .body("total", equalTo(2));
        admin().get("/api/v1/deployments?project=" + project + "&status=FAILED").then()
                .body("total", equalTo(0)).body("items.size()", equalTo(0));
        admin().get("/api/v1/deployments?project=" + project + "&provider=simulator").then()
                .body("total", equalTo(2));
        admin().get("/api/v1/deployments?project=" + project + "&provider=vercel").then()
                .body("total", equalTo(0));
        admin().get("/api/v1/deployments?status=FAILED&size=100").then().statusCode(200)
                .body("items.id", hasItem(failed))
                .body("items.id", not(hasItem(production)))
                .body("items.status", everyItem(equalTo("FAILED")));
        admin().get("/api/v1/deployments?provider=simulator&environment=preview&size=100").then().statusCode(200)
                .body("items.id", hasItem(preview))
                .body("items.environment", everyItem(equalTo("preview")))
                .body("items.provider", everyItem(equalTo("simulator")));
        admin().get("/api/v1/deployments?project=" + uniqueName("nobody")).then().statusCode(200)
                .body("total", equalTo(0));

        admin().get("/api/v1/deployments?project=" + project + "&size=1").then().statusCode(200)
                .body("page", equalTo(0)).body("size", equalTo(1)).body("total", equalTo(2))
                .body("items.id", contains(preview));
        admin().get("/api/v1/deployments?project=" + project + "&size=1&page=1").then().statusCode(200)
                .body("page", equalTo(1)).body("total", equalTo(2)).body("items.id", contains(production));
        admin().get("/api/v1/deployments?project=" + project + "&size=1&page=2").then().statusCode(200)
                .body("total", equalTo(2)).body("items.size()", equalTo(0));

        admin().get("/api/v1/deployments?size=0").then().statusCode(400)
                .contentType("application/problem+json").body("errors.field", contains("size"));
        admin().get("/api/v1/deployments?size=101").then().statusCode(400).body("errors.field", contains("size"));
        admin().get("/api/v1/deployments?page=-1").then().statusCode(400).body("errors.field", contains("page"));
        admin().get("/api/v1/deployments?status=BOGUS").then().statusCode(400)
                .contentType("application/problem+json").body("errors.field", contains("status"));
        admin().get("/api/v1/deployments?provider=heroku").then().statusCode(400)
                .body("errors.field", contains("provider"));
        admin().get("/api/v1/deployments?environment=staging").then().statusCode(400)
                .body("errors.field", contains("environment"));
    }

    @Test
    void viewersReadDeployersDeployAnonymousIsRefused() {
        String viewer = key("viewer");
        String deployer = key("deployer");
        String project = simulatorProject(Map.of("buildSeconds", 30, "logLines", 1));
        List<String> started = new ArrayList<>();
        try {
            String id = track(started, as(deployer).body(Map.of("project", project)).post("/api/v1/deployments")
                    .then().statusCode(202).body("status", equalTo("QUEUED")).extract().path("id"));

            as(viewer).get("/api/v1/deployments?project=" + project).then().statusCode(200)
                    .body("items.id", contains(id));
            as(viewer).get("/api/v1/deployments/" + id).then().statusCode(200).body("id", equalTo(id));
            as(viewer).get("/api/v1/deployments/" + id + "/logs").then().statusCode(200);

            as(viewer).body(Map.of("project", project)).post("/api/v1/deployments").then().statusCode(403)
                    .contentType("application/problem+json");
            as(viewer).post("/api/v1/deployments/" + id + "/cancel").then().statusCode(403)
                    .contentType("application/problem+json");
            as(viewer).post("/api/v1/deployments/" + id + "/redeploy").then().statusCode(403)
                    .contentType("application/problem+json");
            assertThat(status(id)).isNotEqualTo("CANCELED");
            admin().get("/api/v1/deployments?project=" + project).then().body("total", equalTo(1));

            RestAssured.given().get("/api/v1/deployments").then().statusCode(401)
                    .contentType("application/problem+json").header("WWW-Authenticate", "Bearer");
            RestAssured.given().get("/api/v1/deployments/" + id).then().statusCode(401);
            RestAssured.given().contentType("application/json").body(Map.of("project", project))
                    .post("/api/v1/deployments").then().statusCode(401);
            RestAssured.given().contentType("application/json").post("/api/v1/deployments/" + id + "/cancel")
                    .then().statusCode(401);
            assertThat(bareStatus("POST", "/api/v1/deployments/" + id + "/cancel", null)).isEqualTo(401);
            assertThat(bareStatus("POST", "/api/v1/deployments/" + id + "/redeploy", null)).isEqualTo(401);
            as("slw_not_a_real_key_at_all").get("/api/v1/deployments").then().statusCode(401);

            as(deployer).post("/api/v1/deployments/" + id + "/cancel").then().statusCode(200)
                    .body("status", equalTo("CANCELED"));
            String again = track(started, as(deployer).post("/api/v1/deployments/" + id + "/redeploy")
                    .then().statusCode(202).extract().path("id"));
            as(deployer).post("/api/v1/deployments/" + again + "/cancel").then().statusCode(200);
        } finally {
            cancelAll(started);
        }
    }

    @Test
    void cancelAndRedeployNeedNoBodyOrContentType() {
        // What "curl -X POST -H 'Authorization: Bearer ...' .../cancel" sends: no body, no Content-Type.
        String deployer = key("deployer");
        String project = simulatorProject(Map.of("buildSeconds", 30, "logLines", 1));
        List<String> started = new ArrayList<>();
        try {
            String id = track(started, deploy(project, Map.of()));
            assertThat(bareStatus("POST", "/api/v1/deployments/" + id + "/cancel", deployer)).isEqualTo(200);
            assertThat(status(id)).isEqualTo("CANCELED");
            assertThat(bareStatus("POST", "/api/v1/deployments/" + id + "/redeploy", deployer)).isEqualTo(202);
            admin().get("/api/v1/deployments?project=" + project).then().body("total", equalTo(2))
                    .body("items.id", hasItem(id));
            started.add(admin().get("/api/v1/deployments?project=" + project + "&size=1").then()
                    .extract().path("items[0].id"));
        } finally {
            cancelAll(started);
        }
    }

    /** Sends a request with no body and no Content-Type, as curl does, and answers the status. */
    private static int bareStatus(String method, String path, String apiKey) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":"
                    + RestAssured.port + path)).method(method, HttpRequest.BodyPublishers.noBody());
            if (apiKey != null) {
                request.header("Authorization", "Bearer " + apiKey);
            }
            return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String status(String id) {
        return admin().get("/api/v1/deployments/" + id).then().statusCode(200).extract().path("status");
    }

    private static void awaitStatus(String id, String expected) {
        await().atMost(FINISH).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> assertThat(status(id))
                .isEqualTo(expected));
    }

    private static void awaitActive(String id) {
        await().atMost(FINISH).pollInterval(Duration.ofMillis(100)).until(() -> ACTIVE.contains(status(id)));
    }

    private static String track(List<String> started, String id) {
        started.add(id);
        return id;
    }

    /** Cancels whatever is still open, newest first, so waiting ones do not start in between. */
    private static void cancelAll(List<String> ids) {
        List<String> newestFirst = new ArrayList<>(ids);
        java.util.Collections.reverse(newestFirst);
        for (String id : newestFirst) {
            int code = admin().post("/api/v1/deployments/" + id + "/cancel").statusCode();
            assertThat(code).as("cancel " + id).isIn(200, 409);
        }
    }
}
