package dev.slipway.provider.vercel;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.as;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.key;
import static dev.slipway.support.Api.simulatorProject;
import static dev.slipway.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

/** The Vercel adapter end to end, against {@link FakeVercel}: states, logs, cancel and every kind of failure. */
@QuarkusTest
@TestProfile(VercelProviderTest.WithFakeVercel.class)
class VercelProviderTest {

    /** Points the Vercel adapter at {@link FakeVercel}. */
    public static class WithFakeVercel implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeVercel.class));
        }
    }

    private static final Duration FINISH = Duration.ofSeconds(30);

    @Inject
    CircuitBreakerMaintenance breakers;

    @Test
    void aProductionDeploymentReachesReadyWithItsBuildLog() {
        String credential = credential("team_from_credential");
        String vercelProject = uniqueName("happy");
        String project = project(vercelProject, credential, null);
        String id = deploy(project, Map.of("ref", "feature/login"));

        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("READY");
        assertThat(done.getString("providerDeploymentId")).startsWith("dpl_");
        assertThat(done.getString("url")).isEqualTo("https://" + vercelProject + "-"
                + done.getString("providerDeploymentId").toLowerCase() + ".vercel.app");
        admin().get("/api/v1/deployments/" + id + "/logs").then().statusCode(200)
                .body("items.message", contains("Running \"npm run build\"", "Compiled successfully",
                        "Collecting page data", "Build Completed in /vercel/output [12s]",
                        "warn: 1 deprecated package"))
                .body("items.stream", contains("stdout", "stdout", "stdout", "stdout", "stderr"));

        List<Map<String, Object>> posts = requests(vercelProject, "POST", "/v13/deployments");
        assertThat(posts).hasSize(1);
        @SuppressWarnings("unchecked")
        Map<String, Object> body = (Map<String, Object>) posts.get(0).get("body");
        assertThat(body).containsEntry("name", vercelProject).containsEntry("project", vercelProject)
                .containsEntry("target", "production")
                .containsEntry("meta", Map.of("slipwayDeploymentId", id))
                .containsEntry("gitSource", Map.of("type", "github", "org", "acme", "repo", "shop",
                        "ref", "feature/login"));
        assertThat(posts.get(0).get("query").toString()).contains("teamId=team_from_credential");
        assertThat(requests(vercelProject, null, null)).allSatisfy(r -> assertThat(r.get("tokenAccepted"))
                .isEqualTo(true));
    }

    @Test
    void aPreviewDeploymentOmitsTheTargetAndUsesTheTargetsTeam() {
        String vercelProject = uniqueName("happy");
        String project = project(vercelProject, credential(null), "team_from_target");
        String sha = "0123456789abcdef0123456789abcdef01234567";
        String id = deploy(project, Map.of("environment", "preview", "ref", sha));

        assertThat(awaitEnd(id).getString("status")).isEqualTo("READY");
        Map<String, Object> post = requests(vercelProject, "POST", "/v13/deployments").get(0);
        @SuppressWarnings("unchecked")
        Map<String, Object> body = (Map<String, Object>) post.get("body");
        assertThat(body).doesNotContainKey("target").containsEntry("gitSource", Map.of("type", "github",
                "org", "acme", "repo", "shop", "ref", "main", "sha", sha));
        assertThat(post.get("query").toString()).contains("teamId=team_from_target");
    }

    @Test
    void aBuildLineOverEightKibIsStoredAndStreamedCutAndWithoutTheTokenItPrinted() {
        String id = deploy(project(uniqueName("noisy"), credential(null), null), Map.of());
        assertThat(awaitEnd(id).getString("status")).isEqualTo("READY");

        String stored = admin().get("/api/v1/deployments/" + id + "/logs").then().statusCode(200).extract()
                .jsonPath().getList("items.message", String.class).get(1);
        assertThat(stored).startsWith("pushing with [redacted] éé").endsWith("é [cut]").doesNotContain("ghp_");
        // Cut at a character boundary, as close to 8 KiB as a two-byte character allows.
        assertThat(stored.getBytes(StandardCharsets.UTF_8).length).isBetween(8 * 1024 - 1, 8 * 1024);

        String streamed = admin().accept("text/event-stream").get("/api/v1/deployments/" + id + "/logs").then()
                .statusCode(200).extract().asString();
        assertThat(streamed).contains("pushing with [redacted] ").contains(" [cut]").doesNotContain("ghp_");
    }

    @Test
    void aFailedBuildFailsWithVercelsReasonAndLog() {
        String vercelProject = uniqueName("fail");
        String id = deploy(project(vercelProject, credential(null), null), Map.of());

        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("FAILED");
        assertThat(done.getString("statusReason")).isEqualTo("Vercel build failed: Command \"npm run build\" "
                + "exited with 1 (BUILD_FAILED)");
        admin().get("/api/v1/deployments/" + id + "/logs").then().statusCode(200)
                .body("items.message", contains("Running \"npm run build\"",
                        "Error: Command \"npm run build\" exited with 1"));
    }

    @Test
    void cancellingThroughTheApiCancelsAtVercelWithTheDeploymentsToken() {
        String vercelProject = uniqueName("cancel");
        String id = deploy(project(vercelProject, credential(null), null), Map.of());
        await().atMost(FINISH).until(() -> "BUILDING".equals(get(id).getString("status")));

        admin().post("/api/v1/deployments/" + id + "/cancel").then().statusCode(200);

        assertThat(awaitEnd(id).getString("status")).isEqualTo("CANCELED");
        String providerId = get(id).getString("providerDeploymentId");
        await().atMost(FINISH).untilAsserted(() -> assertThat(requests(vercelProject, "PATCH",
                "/v12/deployments/" + providerId + "/cancel")).singleElement()
                .satisfies(r -> assertThat(r.get("tokenAccepted")).isEqualTo(true)));
    }

    @Test
    void a503BurstIsRetriedAndTheTriggerIsRepeatedOnlyUntilVercelAcceptedIt() {
        String vercelProject = uniqueName("flaky");
        String id = deploy(project(vercelProject, credential(null), null), Map.of());

        assertThat(awaitEnd(id).getString("status")).isEqualTo("READY");
        // Three 503s created nothing, the fourth create was accepted: four sent, one deployment at Vercel.
        assertThat(requests(vercelProject, "POST", "/v13/deployments")).hasSize(4);
        assertThat(requests(vercelProject, "GET", "/v13/deployments/")).allSatisfy(r -> assertThat(r.get("path"))
                .isEqualTo("/v13/deployments/" + get(id).getString("providerDeploymentId")));
    }

    @Test
    void aCreateWhoseAnswerWasLostIsFoundByItsTagAndNotSentAgain() {
        String vercelProject = uniqueName("lost");
        String id = deploy(project(vercelProject, credential(null), null), Map.of());

        assertThat(awaitEnd(id).getString("status")).isEqualTo("READY");
        assertThat(requests(vercelProject, "POST", "/v13/deployments")).hasSize(1);
    }

    @Test
    void aRateLimitedCallWaitsForRetryAfterBeforeTheNextCall() {
        String vercelProject = uniqueName("limited");
        String id = deploy(project(vercelProject, credential(null), null), Map.of());

        assertThat(awaitEnd(id).getString("status")).isEqualTo("READY");
        List<Map<String, Object>> calls = requests(vercelProject, null, null);
        Map<String, Object> limited = requests(vercelProject, "POST", "/v13/deployments").get(0);
        long limitedAt = ((Number) limited.get("at")).longValue();
        long next = calls.stream().mapToLong(r -> ((Number) r.get("at")).longValue()).filter(at -> at > limitedAt)
                .min().orElseThrow();
        assertThat(next - limitedAt).isGreaterThanOrEqualTo(2000);
        assertThat(requests(vercelProject, "POST", "/v13/deployments")).hasSize(2);
    }

    @Test
    void aRejectedTokenFailsAtOnceWithoutRetries() {
        String credential = uniqueName("vercel-bad");
        admin().body(Map.of("provider", "vercel", "token", "not-the-right-vercel-token-9999"))
                .put("/api/v1/credentials/" + credential).then().statusCode(201);
        String vercelProject = uniqueName("happy");
        String id = deploy(project(vercelProject, credential, null), Map.of());

        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("FAILED");
        assertThat(done.getString("statusReason")).startsWith("Vercel rejected the token (403)")
                .doesNotContain("not-the-right-vercel-token-9999");
        assertThat(requests(vercelProject, null, null)).hasSize(1);
    }

    @Test
    void malformedAnswersAreRetriedThenFailTheDeployment() {
        String hiccup = deploy(project(uniqueName("hiccup"), credential(null), null), Map.of());
        String garbled = deploy(project(uniqueName("garbled"), credential(null), null), Map.of());

        assertThat(awaitEnd(hiccup).getString("status")).isEqualTo("READY");
        JsonPath failed = awaitEnd(garbled);
        assertThat(failed.getString("status")).isEqualTo("FAILED");
        assertThat(failed.getString("statusReason")).contains("malformed JSON " + VercelProvider.MAX_MALFORMED
                + " times in a row");
    }

    @Test
    void providersListsEachProviderWithItsBreakerAndLimits() {
        credential(null);
        String viewer = key("viewer");
        as(viewer).get("/api/v1/providers").then().statusCode(200)
                .body("name", contains("railway", "render", "simulator", "vercel"))
                .body("find { it.name == 'vercel' }.configured", equalTo(true))
                .body("find { it.name == 'vercel' }.circuit", equalTo("CLOSED"))
                .body("find { it.name == 'vercel' }.maxActive", equalTo(10))
                .body("find { it.name == 'simulator' }.configured", equalTo(true))
                .body("find { it.name == 'railway' }.circuit", equalTo("CLOSED"));
        RestAssured.given().get("/api/v1/providers").then().statusCode(401);
    }

    /**
     * More Vercel deployments than the global limit (10 in tests) take every place during an outage: once the
     * breaker opens they go back to the queue instead of holding those places, so a simulator deployment queued
     * after them still runs; none fails, and after the outage each is created once.
     */
    @Test
    void anOutageOpensTheBreakerDeploymentsWaitAndOtherProvidersGoOn() {
        fakeDown(true);
        try {
            String credential = credential(null);
            int maxActive = ConfigProvider.getConfig().getValue("slipway.queue.max-active", Integer.class);
            // Simulator blockers hold every place while the Vercel deployments queue up behind them, so that when
            // they are cancelled Vercel's deployments, the oldest queued, take every place.
            List<String> blockers = new java.util.ArrayList<>();
            for (int i = 0; i < maxActive; i++) {
                blockers.add(deploy(simulatorProject(Map.of("buildSeconds", 600, "logLines", 1)), Map.of()));
            }
            await().atMost(FINISH).until(() -> blockers.stream().noneMatch(id -> "QUEUED".equals(
                    get(id).getString("status"))));
            Map<String, String> waiting = new java.util.LinkedHashMap<>();
            for (int i = 0; i <= maxActive; i++) {
                String vercelProject = uniqueName("happy");
                waiting.put(deploy(project(vercelProject, credential, null), Map.of()), vercelProject);
            }
            // Vercel hangs first, so every place is taken by a Vercel deployment before the breaker can open.
            fakeStall(true);
            blockers.forEach(id -> admin().post("/api/v1/deployments/" + id + "/cancel").then().statusCode(200));
            await().atMost(FINISH).until(() -> waiting.keySet().stream().filter(id -> "STARTING".equals(
                    get(id).getString("status"))).count() == maxActive);
            await().atMost(FINISH).until(() -> breakers.currentState(VercelGuard.BREAKER) == CircuitBreakerState.OPEN);
            fakeStall(false);
            JsonPath providers = admin().get("/api/v1/providers").then().statusCode(200).extract().jsonPath();
            assertThat(providers.getString("find { it.name == 'vercel' }.circuit")).isEqualTo("OPEN");
            assertThat(providers.getString("find { it.name == 'vercel' }.lastError")).isNotBlank();
            RestAssured.given().get("/q/metrics").then().statusCode(200)
                    .body(containsString("slipway_provider_circuit_state{provider=\"vercel\"} 2.0"));
            // A provider's outage is not Slipway's: readiness stays up and only reports the breaker.
            RestAssured.given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                    .body("checks.find { it.name == 'provider circuits' }.data.vercel", equalTo("OPEN"));

            // While the breaker is open the waiting deployments leave their places to other providers, and those that
            // had a place say why they wait (the one that never had a place has nothing to say). Status and reason are
            // judged from one read of each: once the breaker half-opens, a deployment may be claimed again (reason
            // cleared) and put back (reason set) at any moment.
            await().atMost(FINISH).until(() -> {
                List<JsonPath> now = waiting.keySet().stream().map(id -> get(id)).toList();
                return now.stream().allMatch(d -> "QUEUED".equals(d.getString("status")))
                        && now.stream().filter(d -> String.valueOf(d.getString("statusReason"))
                                .startsWith("waiting for vercel")).count() >= maxActive;
            });
            String simulated = deploy(simulatorProject(Map.of("buildSeconds", 0)), Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> "READY".equals(get(simulated).getString("status")));
            assertThat(waiting.keySet()).allSatisfy(id -> assertThat(get(id).getString("status"))
                    .isIn("QUEUED", "STARTING"));

            fakeDown(false);
            waiting.forEach((id, vercelProject) -> {
                JsonPath end = awaitEnd(id);
                assertThat(end.getString("status")).isEqualTo("READY");
                assertThat(end.getInt("attempts")).isEqualTo(1);
                assertThat(requests(vercelProject, "POST", "/v13/deployments")).hasSize(1);
            });
        } finally {
            fakeStall(false);
            fakeDown(false);
        }
    }

    // ------------------------------------------------------------------------------------------------------

    /** Stores a credential with the fake's token under a fresh name and answers the name. */
    private static String credential(String teamId) {
        String name = uniqueName("vercel-ok");
        Map<String, Object> body = teamId == null ? Map.of("provider", "vercel", "token", FakeVercel.TOKEN)
                : Map.of("provider", "vercel", "token", FakeVercel.TOKEN, "teamId", teamId);
        admin().body(body).put("/api/v1/credentials/" + name).then().statusCode(201);
        return name;
    }

    private static String project(String vercelProject, String credential, String teamId) {
        String name = uniqueName("web");
        Map<String, Object> target = teamId == null ? Map.of("project", vercelProject, "credential", credential)
                : Map.of("project", vercelProject, "credential", credential, "teamId", teamId);
        admin().body(Map.of("name", name, "provider", "vercel", "target", target, "repository",
                Map.of("url", "https://github.com/acme/shop.git", "branch", "main")))
                .post("/api/v1/projects").then().statusCode(201);
        return name;
    }

    private static JsonPath get(String id) {
        return admin().get("/api/v1/deployments/" + id).then().statusCode(200).extract().jsonPath();
    }

    private static JsonPath awaitEnd(String id) {
        await().atMost(FINISH).until(() -> List.of("READY", "FAILED", "CANCELED", "TIMED_OUT")
                .contains(get(id).getString("status")));
        return get(id);
    }

    /** What the fake received for one Vercel project, optionally only one method and path prefix. */
    private static List<Map<String, Object>> requests(String vercelProject, String method, String pathPrefix) {
        List<Map<String, Object>> all = RestAssured.given().get(fake() + "/_fake/requests").then().statusCode(200)
                .extract().jsonPath().getList("$");
        return all.stream().filter(r -> vercelProject.equals(r.get("project")))
                .filter(r -> method == null || method.equals(r.get("method")))
                .filter(r -> pathPrefix == null || r.get("path").toString().startsWith(pathPrefix)).toList();
    }

    private static void fakeDown(boolean on) {
        RestAssured.given().post(fake() + "/_fake/down?on=" + on).then().statusCode(204);
    }

    private static void fakeStall(boolean on) {
        RestAssured.given().post(fake() + "/_fake/stall?on=" + on).then().statusCode(204);
    }

    private static String fake() {
        return ConfigProvider.getConfig().getValue("slipway.providers.vercel.api-url", String.class);
    }
}
