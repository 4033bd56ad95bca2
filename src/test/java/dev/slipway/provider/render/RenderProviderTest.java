package dev.slipway.provider.render;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;

/** The Render adapter against {@link FakeRender}: states, time-correlated logs, Render's 202, failures. */
@QuarkusTest
@TestProfile(RenderProviderTest.WithFakeRender.class)
class RenderProviderTest {

    /** Points the Render adapter at {@link FakeRender}. */
    public static class WithFakeRender implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeRender.class));
        }
    }

    @Test
    void aDeployReachesLiveWithItsBuildLogAndPinsTheCommit() {
        String service = uniqueName("srv-happy");
        String sha = "89abcdef0123456789abcdef0123456789abcdef";
        String id = deploy(project(service, credential(), "tea-owner"), Map.of("ref", sha));

        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("READY");
        assertThat(done.getString("providerDeploymentId")).startsWith("dep-");
        // The deploy has no address; the service's is where it went live.
        assertThat(done.getString("url")).isEqualTo("https://" + service + ".onrender.com");
        admin().get("/api/v1/deployments/" + id + "/logs").then().statusCode(200)
                .body("items.message", contains("==> Running build command 'npm run build'", "compiled 12 modules",
                        "==> Build successful", "==> Deploying..."));
        List<Map<String, Object>> posts = requests(service, "POST", "/services/" + service + "/deploys");
        assertThat(posts).singleElement().satisfies(p -> assertThat(p.get("body").toString()).contains(sha));
        assertThat(requests(service, "GET", "/logs")).allSatisfy(r -> assertThat(r.get("query").toString())
                .contains("ownerId=tea-owner").contains("type=build"));
    }

    @Test
    void aQueuedTriggerWithoutBodyIsFoundInTheDeployList() {
        String service = uniqueName("srv-queued");
        String id = deploy(project(service, credential(), "tea-owner"), Map.of());

        assertThat(awaitEnd(id).getString("status")).isEqualTo("READY");
        assertThat(requests(service, "POST", "/services/" + service + "/deploys")).hasSize(1);
    }

    @Test
    void aQueuedDeployThatIsListedLateIsWaitedForAndNeverTriggeredAgain() {
        String service = uniqueName("srv-lagging");
        String id = deploy(project(service, credential(), "tea-owner"), Map.of());

        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("READY");
        // Lists that left the queued deploy out were followed by more lists, never by another trigger.
        assertThat(requests(service, "POST", "/services/" + service + "/deploys")).hasSize(1);
        assertThat(requests(service, "GET", "/services/" + service + "/deploys"))
                .hasSizeGreaterThan(FakeRender.LAGGING_LISTS);
        assertThat(done.getString("providerDeploymentId")).isNotBlank();
    }

    @Test
    void aFailedBuildFails() {
        String id = deploy(project(uniqueName("srv-failed"), credential(), "tea-owner"), Map.of());

        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("FAILED");
        assertThat(done.getString("statusReason")).isEqualTo("Render deploy failed (build_failed)");
        assertThat(done.getString("url")).isNull();
    }

    @Test
    void cancellingThroughTheApiCancelsTheDeployAtRender() {
        String service = uniqueName("srv-slow");
        String id = deploy(project(service, credential(), "tea-owner"), Map.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> "BUILDING".equals(get(id).getString("status")));

        admin().post("/api/v1/deployments/" + id + "/cancel").then().statusCode(200);

        assertThat(awaitEnd(id).getString("status")).isEqualTo("CANCELED");
        String deployId = get(id).getString("providerDeploymentId");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(requests(service, "POST",
                "/services/" + service + "/deploys/" + deployId + "/cancel")).singleElement()
                .satisfies(r -> assertThat(r.get("tokenAccepted")).isEqualTo(true)));
    }

    @Test
    void malformedAnswersAreToleratedOnceButFailTheDeploymentWhenTheyPersist() {
        String hiccup = deploy(project(uniqueName("srv-hiccup"), credential(), "tea-owner"), Map.of());
        String garbled = deploy(project(uniqueName("srv-garbled"), credential(), "tea-owner"), Map.of());

        assertThat(awaitEnd(hiccup).getString("status")).isEqualTo("READY");
        JsonPath failed = awaitEnd(garbled);
        assertThat(failed.getString("status")).isEqualTo("FAILED");
        assertThat(failed.getString("statusReason")).contains("malformed JSON " + RenderProvider.MAX_MALFORMED
                + " times in a row");
    }

    @Test
    void aRejectedKeyFailsAtOnce() {
        String credential = uniqueName("render-bad");
        admin().body(Map.of("provider", "render", "token", "rnd_not_the_right_key_9999"))
                .put("/api/v1/credentials/" + credential).then().statusCode(201);
        String service = uniqueName("srv-happy");
        String id = deploy(project(service, credential, null), Map.of());

        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("FAILED");
        assertThat(done.getString("statusReason")).startsWith("Render rejected the token (401)");
        assertThat(requests(service, null, null)).hasSize(1);
    }

    static String credential() {
        String name = uniqueName("render-ok");
        admin().body(Map.of("provider", "render", "token", FakeRender.TOKEN)).put("/api/v1/credentials/" + name)
                .then().statusCode(201);
        return name;
    }

    static String project(String service, String credential, String owner) {
        String name = uniqueName("svc");
        Map<String, Object> target = owner == null ? Map.of("serviceId", service, "credential", credential)
                : Map.of("serviceId", service, "credential", credential, "ownerId", owner);
        admin().body(Map.of("name", name, "provider", "render", "target", target)).post("/api/v1/projects")
                .then().statusCode(201);
        return name;
    }

    static JsonPath awaitEnd(String id) {
        await().atMost(Duration.ofSeconds(30)).until(() -> List.of("READY", "FAILED", "CANCELED", "TIMED_OUT")
                .contains(get(id).getString("status")));
        return get(id);
    }

    static JsonPath get(String id) {
        return admin().get("/api/v1/deployments/" + id).then().statusCode(200).extract().jsonPath();
    }

    static List<Map<String, Object>> requests(String service, String method, String path) {
        String base = ConfigProvider.getConfig().getValue("slipway.providers.render.api-url", String.class);
        List<Map<String, Object>> all = RestAssured.given().get(base.replace("/v1", "") + "/_fake/requests").then()
                .statusCode(200).extract().jsonPath().getList("$");
        return all.stream().filter(r -> service.equals(r.get("service")))
                .filter(r -> method == null || method.equals(r.get("method")))
                .filter(r -> path == null || path.equals(r.get("path"))).toList();
    }
}
