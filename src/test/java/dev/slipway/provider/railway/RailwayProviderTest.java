package dev.slipway.provider.railway;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.provider.DeploymentProvider;
import dev.slipway.provider.ProviderException;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;

/** The Railway adapter against {@link FakeRailway}: states, both logs, cancel, GraphQL errors, variables. */
@QuarkusTest
@TestProfile(RailwayProviderTest.WithFakeRailway.class)
class RailwayProviderTest {

    /** Points the Railway adapter at {@link FakeRailway}. */
    public static class WithFakeRailway implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeRailway.class));
        }
    }

    private static final Duration FINISH = Duration.ofSeconds(30);

    @Inject
    RailwayProvider railway;

    @Inject
    ObjectMapper json;

    @Test
    void aDeploymentReachesReadyWithItsBuildAndDeployLogsInOrderAndItsUrl() {
        String service = uniqueName("happy");
        String id = deploy(project(service, credential()), Map.of("ref", "main"));

        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("READY");
        assertThat(done.getString("url")).isEqualTo("https://" + service + "-production.up.railway.app");
        String railwayId = done.getString("providerDeploymentId");
        admin().get("/api/v1/deployments/" + id + "/logs").then().statusCode(200)
                .body("items.message", contains("[Region: us-west1] Using Nixpacks", "npm ci", "npm run build",
                        "compiled 12 modules", "Build time: 21.84 seconds", "Starting Container",
                        "> shop@1.0.0 start", "listening on :8080"))
                .body("items.stream", hasItem("stdout"));

        List<Map<String, Object>> triggers = requests(service, "deploy");
        assertThat(triggers).singleElement().satisfies(t -> {
            assertThat(variables(t)).containsEntry("serviceId", service).containsEntry("environmentId", "env-prod")
                    .doesNotContainKey("commitSha");
            // User data travels in variables only, never spliced into the query text.
            assertThat(t.get("query").toString()).doesNotContain(service);
        });
        // A first try has no earlier one whose deployment it could find: it deploys without looking.
        assertThat(requests(service, "list")).isEmpty();
        assertThat(requests(service, "status")).allSatisfy(r -> assertThat(variables(r))
                .containsEntry("id", railwayId));
        assertThat(requests(service, null)).allSatisfy(r -> assertThat(r.get("tokenAccepted")).isEqualTo(true));
    }

    @Test
    void aCommitRefIsPinnedWithCommitSha() {
        String service = uniqueName("happy");
        String sha = "0123456789abcdef0123456789abcdef01234567";
        String id = deploy(project(service, credential()), Map.of("ref", sha));

        assertThat(awaitEnd(id).getString("status")).isEqualTo("READY");
        assertThat(requests(service, "deploy")).singleElement()
                .satisfies(t -> assertThat(variables(t)).containsEntry("commitSha", sha));
    }

    @Test
    void aLogLongerThanAPageArrivesWholeWithoutRepeatsBeforeTheDeploymentEnds() {
        String service = uniqueName("long");
        String id = deploy(project(service, credential()), Map.of());

        assertThat(awaitEnd(id).getString("status")).isEqualTo("READY");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 1103; i++) {
            expected.add("build line " + i);
        }
        expected.addAll(List.of("Starting Container", "> shop@1.0.0 start", "listening on :8080"));
        List<String> got = admin().get("/api/v1/deployments/" + id + "/logs?limit=10000").then().statusCode(200)
                .extract().jsonPath().getList("items.message", String.class);
        assertThat(got).containsExactlyElementsOf(expected);
        // Three groups of lines share each timestamp, so pages of 500 split a group: the cursor has to resume in it.
        assertThat(requests(service, "buildLogs").size()).isGreaterThanOrEqualTo(3);
    }

    @Test
    void aFailedBuildFailsWithTheReasonAndTheBuildLog() {
        String service = uniqueName("fail");
        String id = deploy(project(service, credential()), Map.of());

        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("FAILED");
        assertThat(done.getString("statusReason")).isEqualTo("Railway deployment failed (FAILED)");
        admin().get("/api/v1/deployments/" + id + "/logs").then().statusCode(200)
                .body("items.message", contains("[Region: us-west1] Using Nixpacks",
                        "npm ERR! build failed with exit code 1"))
                .body("items.stream", contains("stdout", "stderr"));
    }

    @Test
    void cancellingThroughTheApiCancelsAtRailway() {
        String service = uniqueName("cancel");
        String id = deploy(project(service, credential()), Map.of());
        await().atMost(FINISH).until(() -> "BUILDING".equals(get(id).getString("status")));

        admin().post("/api/v1/deployments/" + id + "/cancel").then().statusCode(200);

        assertThat(awaitEnd(id).getString("status")).isEqualTo("CANCELED");
        String railwayId = get(id).getString("providerDeploymentId");
        await().atMost(FINISH).untilAsserted(() -> assertThat(requests(service, "cancel")).singleElement()
                .satisfies(r -> {
                    assertThat(variables(r)).containsEntry("id", railwayId);
                    assertThat(r.get("tokenAccepted")).isEqualTo(true);
                }));
    }

    @Test
    void aRejectedTokenFailsAtOnceWithoutRetries() {
        String credential = uniqueName("railway-bad");
        admin().body(Map.of("provider", "railway", "token", "not-the-right-railway-token-9999"))
                .put("/api/v1/credentials/" + credential).then().statusCode(201);
        String service = uniqueName("happy");
        String id = deploy(project(service, credential), Map.of());

        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("FAILED");
        assertThat(done.getString("statusReason")).startsWith("Railway rejected the token (Not Authorized)")
                .doesNotContain("not-the-right-railway-token-9999");
        assertThat(requests(service, null)).hasSize(1);
    }

    /**
     * A GraphQL error about the request itself arrives with HTTP 200 like a success; it is read before {@code data}
     * and fails the deployment at once with Railway's words, without a retry or a look for a deployment.
     */
    @Test
    void aGraphQLErrorAboutTheInputWithHttp200FailsAtOnceWithRailwaysMessage() {
        String service = uniqueName("missing");
        String id = deploy(project(service, credential()), Map.of());

        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("FAILED");
        assertThat(done.getString("statusReason"))
                .isEqualTo("Railway rejected the deploy of service " + service + ": Service not found");
        assertThat(done.getString("providerDeploymentId")).isNull();
        assertThat(requests(service, null)).singleElement().satisfies(r -> assertThat(r.get("op")).isEqualTo("deploy"));
    }

    @Test
    void aTransientErrorAfterCreatingAndA503BurstStillMakeExactlyOneDeployment() {
        String service = uniqueName("flaky");
        String id = deploy(project(service, credential()), Map.of());

        assertThat(awaitEnd(id).getString("status")).isEqualTo("READY");
        // The first deploy was created but answered "Problem processing request": later tries found it.
        assertThat(requests(service, "deploy")).hasSize(1);
        assertThat(requests(service, "list")).isNotEmpty().allSatisfy(l -> assertThat(variables(l))
                .containsEntry("input", Map.of("projectId", "prj-shop", "environmentId", "env-prod",
                        "serviceId", service)));
        assertThat(requests(service, "status")).isNotEmpty().allSatisfy(r -> assertThat(variables(r))
                .containsEntry("id", get(id).getString("providerDeploymentId")));
    }

    @Test
    void anAcceptedDeployWhoseIdWasLostIsLookedForUntilListedAndNeverSentAgain() {
        String service = uniqueName("lostid");
        String id = deploy(project(service, credential()), Map.of());

        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("READY");
        // Lists that left the accepted deployment out were followed by more lists, never by another deploy.
        assertThat(requests(service, "deploy")).hasSize(1);
        assertThat(requests(service, "list")).hasSizeGreaterThan(FakeRailway.LAGGING_LISTS);
        assertThat(requests(service, "status")).isNotEmpty().allSatisfy(r -> assertThat(variables(r))
                .containsEntry("id", done.getString("providerDeploymentId")));
    }

    @Test
    void aRateLimitErrorWaitsBeforeTheNextCall() {
        String service = uniqueName("limited");
        String id = deploy(project(service, credential()), Map.of());

        assertThat(awaitEnd(id).getString("status")).isEqualTo("READY");
        List<Map<String, Object>> deploys = requests(service, "deploy");
        assertThat(deploys).hasSize(2);
        long limitedAt = ((Number) deploys.get(0).get("at")).longValue();
        long next = requests(service, null).stream().mapToLong(r -> ((Number) r.get("at")).longValue())
                .filter(at -> at > limitedAt).min().orElseThrow();
        // No Retry-After came with the GraphQL error, so the client waits its default second.
        assertThat(next - limitedAt).isGreaterThanOrEqualTo(1000);
    }

    @Test
    void malformedAnswersAreRetriedThenFailTheDeployment() {
        String hiccup = deploy(project(uniqueName("hiccup"), credential()), Map.of());
        String garbled = deploy(project(uniqueName("garbled"), credential()), Map.of());

        assertThat(awaitEnd(hiccup).getString("status")).isEqualTo("READY");
        JsonPath failed = awaitEnd(garbled);
        assertThat(failed.getString("status")).isEqualTo("FAILED");
        assertThat(failed.getString("statusReason")).contains("malformed JSON " + RailwayProvider.MAX_MALFORMED
                + " times in a row");
    }

    @Test
    void pushEnvWritesTheVariablesWithoutStartingADeployment() {
        String service = uniqueName("vars");
        railway.pushEnv(trigger(service, Map.of("API_URL", "https://api.example.com", "SECRET_KEY", "s3cr3t-42")))
                .await().atMost(FINISH);

        assertThat(requests(service, "variables")).singleElement().satisfies(r -> {
            assertThat(variables(r)).containsEntry("input", Map.of("projectId", "prj-shop", "environmentId",
                    "env-prod", "serviceId", service, "skipDeploys", true, "variables", Map.of("API_URL",
                            "https://api.example.com", "SECRET_KEY", "s3cr3t-42")));
            assertThat(r.get("query").toString()).doesNotContain("s3cr3t-42");
        });
        assertThat(requests(service, "deploy")).isEmpty();
        assertThat(railway.pushesEnv()).isTrue();
    }

    @Test
    void theProjectsVariablesAreWrittenBeforeTheDeployAndOnlyAgainAfterAChange() {
        String service = uniqueName("projvars");
        String project = project(service, credential());
        admin().body(Map.of("value", "https://api.example.com")).put("/api/v1/projects/" + project + "/env/API_URL")
                .then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));

        assertThat(awaitEnd(deploy(project, Map.of())).getString("status")).isEqualTo("READY");
        List<Map<String, Object>> all = requests(service, null);
        Map<String, Object> written = requests(service, "variables").get(0);
        assertThat(all.indexOf(written)).isLessThan(all.indexOf(requests(service, "deploy").get(0)));
        assertThat(variables(written)).extracting(v -> v.get("input")).asInstanceOf(
                org.assertj.core.api.InstanceOfAssertFactories.MAP).containsEntry("skipDeploys", true)
                .containsEntry("variables", Map.of("API_URL", "https://api.example.com"));

        assertThat(awaitEnd(deploy(project, Map.of())).getString("status")).isEqualTo("READY");
        assertThat(requests(service, "variables")).hasSize(1);
        assertThat(requests(service, "deploy")).hasSize(2);
    }

    @Test
    void aRejectedVariableFailsForGoodWithoutQuotingItsValue() {
        String service = uniqueName("badvars");
        ProviderException e = catchThrowableOfType(() -> railway.pushEnv(trigger(service,
                Map.of("SECRET_KEY", "very-secret-value-1234"))).await().atMost(FINISH), ProviderException.class);

        assertThat(e.isTransient()).isFalse();
        assertThat(e.getMessage()).startsWith("Railway rejected the variables of service " + service)
                .doesNotContain("very-secret-value-1234");
        assertThat(requests(service, "variables")).hasSize(1);
    }

    @Test
    void targetsNeedAllThreeIdsAndProvidersListRailwayWithItsBreaker() {
        admin().body(Map.of("name", uniqueName("rw"), "provider", "railway", "target", Map.of("projectId",
                "prj-shop", "region", "us-west1"))).post("/api/v1/projects").then().statusCode(400)
                .body("errors.field", contains("target.environmentId", "target.serviceId", "target.region"));

        credential();
        admin().get("/api/v1/providers").then().statusCode(200)
                .body("find { it.name == 'railway' }.configured", equalTo(true))
                .body("find { it.name == 'railway' }.circuit", equalTo("CLOSED"));
        RestAssured.given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'provider circuits' }.data.railway", equalTo("CLOSED"));
    }

    // ------------------------------------------------------------------------------------------------------

    private DeploymentProvider.Trigger trigger(String service, Map<String, String> env) {
        var target = json.createObjectNode().put("projectId", "prj-shop").put("environmentId", "env-prod")
                .put("serviceId", service);
        return new DeploymentProvider.Trigger(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50), "d-vars",
                "shop", target, null, null, null, "production", env,
                new DeploymentProvider.ProviderCredential("railway", "railway", FakeRailway.TOKEN, null, null));
    }

    /** Stores a credential with the fake's token under a fresh name and answers the name. */
    static String credential() {
        String name = uniqueName("railway-ok");
        admin().body(Map.of("provider", "railway", "token", FakeRailway.TOKEN)).put("/api/v1/credentials/" + name)
                .then().statusCode(201);
        return name;
    }

    static String project(String service, String credential) {
        String name = uniqueName("api");
        admin().body(Map.of("name", name, "provider", "railway", "target", Map.of("projectId", "prj-shop",
                "environmentId", "env-prod", "serviceId", service, "credential", credential)))
                .post("/api/v1/projects").then().statusCode(201);
        return name;
    }

    static JsonPath awaitEnd(String id) {
        await().atMost(FINISH).until(() -> List.of("READY", "FAILED", "CANCELED", "TIMED_OUT")
                .contains(get(id).getString("status")));
        return get(id);
    }

    static JsonPath get(String id) {
        return admin().get("/api/v1/deployments/" + id).then().statusCode(200).extract().jsonPath();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> variables(Map<String, Object> request) {
        return (Map<String, Object>) request.get("variables");
    }

    /** What the fake received about one service, optionally only one operation. */
    static List<Map<String, Object>> requests(String service, String op) {
        String base = ConfigProvider.getConfig().getValue("slipway.providers.railway.api-url", String.class);
        List<Map<String, Object>> all = RestAssured.given().get(base + "/_fake/requests").then().statusCode(200)
                .extract().jsonPath().getList("$");
        return all.stream().filter(r -> service.equals(r.get("service")))
                .filter(r -> op == null || op.equals(r.get("op"))).toList();
    }
}
