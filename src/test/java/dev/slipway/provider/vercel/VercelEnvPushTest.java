package dev.slipway.provider.vercel;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import dev.slipway.support.Plaintext;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** A project's variables reach Vercel before the deployment is created, and only when they changed. */
@QuarkusTest
@TestProfile(VercelProviderTest.WithFakeVercel.class)
class VercelEnvPushTest {

    private static final Duration FINISH = Duration.ofSeconds(30);
    private static final String ENV_PATH = "/v10/projects/";

    @Inject
    Pool pool;

    @Test
    void theFirstDeploymentPushesEveryVariableOfItsEnvironmentBeforeTheCreate() {
        String vercelProject = uniqueName("happy");
        String project = project(vercelProject, "team_env");
        String dbUrl = "postgres://app:" + UUID.randomUUID() + "@db/app";
        setEnv(project, "DATABASE_URL", dbUrl, List.of("production", "preview"));
        setEnv(project, "API_SECRET", "s3cr3t-" + UUID.randomUUID(), List.of("production"));
        setEnv(project, "PREVIEW_ONLY", "only-in-preview", List.of("preview"));

        String id = deploy(project, Map.of());
        assertThat(awaitEnd(id).getString("status")).isEqualTo("READY");

        List<Map<String, Object>> all = requests(vercelProject, null, null);
        List<Map<String, Object>> pushes = only(all, "POST", ENV_PATH);
        assertThat(pushes).extracting(r -> body(r).get("key")).containsExactly("API_SECRET", "DATABASE_URL");
        assertThat(body(pushes.get(1))).containsEntry("value", dbUrl).containsEntry("type", "encrypted")
                .containsEntry("target", List.of("production"));
        assertThat(pushes).allSatisfy(r -> {
            assertThat(r.get("path")).isEqualTo(ENV_PATH + vercelProject + "/env");
            assertThat(r.get("query").toString()).contains("upsert=true").contains("teamId=team_env");
        });
        int create = all.indexOf(only(all, "POST", "/v13/deployments").get(0));
        assertThat(pushes).allSatisfy(p -> assertThat(all.indexOf(p)).isLessThan(create));
    }

    @Test
    void unchangedVariablesAreNotPushedAgainButAChangeOrAnotherEnvironmentIs() {
        String vercelProject = uniqueName("happy");
        String project = project(vercelProject, null);
        setEnv(project, "FEATURE_FLAG", "true", List.of("production", "preview"));
        setEnv(project, "REGION_HINT", "eu", List.of("production", "preview"));

        assertThat(awaitEnd(deploy(project, Map.of())).getString("status")).isEqualTo("READY");
        assertThat(requests(vercelProject, "POST", ENV_PATH)).hasSize(2);

        assertThat(awaitEnd(deploy(project, Map.of())).getString("status")).isEqualTo("READY");
        assertThat(requests(vercelProject, "POST", ENV_PATH)).hasSize(2);
        assertThat(requests(vercelProject, "POST", "/v13/deployments")).hasSize(2);

        setEnv(project, "FEATURE_FLAG", "false", List.of("production", "preview"));
        assertThat(awaitEnd(deploy(project, Map.of())).getString("status")).isEqualTo("READY");
        List<Map<String, Object>> pushes = requests(vercelProject, "POST", ENV_PATH);
        assertThat(pushes).hasSize(4);
        assertThat(body(pushes.get(2))).containsEntry("key", "FEATURE_FLAG").containsEntry("value", "false");

        // Preview has its own record: its first deployment pushes to Vercel's preview target.
        assertThat(awaitEnd(deploy(project, Map.of("environment", "preview"))).getString("status"))
                .isEqualTo("READY");
        List<Map<String, Object>> preview = requests(vercelProject, "POST", ENV_PATH).subList(4, 6);
        assertThat(preview).allSatisfy(r -> assertThat(body(r)).containsEntry("target", List.of("preview")));
    }

    @Test
    void aRejectionQuotingTheValueIsReportedWithoutTheProvidersMessage() {
        String vercelProject = uniqueName("happy");
        String project = project(vercelProject, null);
        String value = "*/5 * * * * " + UUID.randomUUID();
        setEnv(project, "CRON_SCHEDULE", value, List.of("production"));

        JsonPath done = awaitEnd(deploy(project, Map.of()));
        assertThat(done.getString("status")).isEqualTo("FAILED");
        assertThat(done.getString("statusReason")).startsWith("Vercel rejected the variable CRON_SCHEDULE (400)")
                .contains("withheld").doesNotContain(value);
        admin().get("/api/v1/providers").then().statusCode(200)
                .body(org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString(value)));
    }

    @Test
    void aRejectedVariableFailsTheDeploymentNamingTheKeyButNotTheValueAndCreatesNothing() {
        String vercelProject = uniqueName("happy");
        String project = project(vercelProject, null);
        String value = "eu-central-" + UUID.randomUUID();
        setEnv(project, "AWS_REGION", value, List.of("production"));

        JsonPath done = awaitEnd(deploy(project, Map.of()));
        assertThat(done.getString("status")).isEqualTo("FAILED");
        assertThat(done.getString("statusReason")).startsWith("Vercel rejected the variable AWS_REGION (400)")
                .contains("reserved").doesNotContain(value);
        assertThat(requests(vercelProject, "POST", "/v13/deployments")).isEmpty();
        assertThat(fingerprints(vercelProject)).isEmpty();
    }

    @Test
    void a503BurstOnThePushIsRetriedAndOneDeploymentIsCreated() {
        String vercelProject = uniqueName("envflaky");
        String project = project(vercelProject, null);
        setEnv(project, "LOG_LEVEL", "debug", List.of("production"));

        assertThat(awaitEnd(deploy(project, Map.of())).getString("status")).isEqualTo("READY");
        // Three 503s stored nothing; the push that succeeded came before the only create.
        assertThat(requests(vercelProject, "POST", ENV_PATH)).hasSizeGreaterThanOrEqualTo(4);
        assertThat(requests(vercelProject, "POST", "/v13/deployments")).hasSize(1);
        assertThat(fingerprints(vercelProject)).hasSize(1);
    }

    @Test
    void theRecordOfAPushRevealsNoValue() {
        String vercelProject = uniqueName("happy");
        String project = project(vercelProject, null);
        String value = "sk_live_" + UUID.randomUUID();
        setEnv(project, "STRIPE_KEY", value, List.of("production"));

        assertThat(awaitEnd(deploy(project, Map.of())).getString("status")).isEqualTo("READY");

        assertThat(fingerprints(vercelProject)).singleElement().asString().doesNotContain(value).isNotBlank();
        assertThat(Plaintext.tablesContaining(pool, value)).isEmpty();
    }

    // ------------------------------------------------------------------------------------------------------

    private static String project(String vercelProject, String teamId) {
        String credential = uniqueName("vercel-ok");
        admin().body(Map.of("provider", "vercel", "token", FakeVercel.TOKEN)).put("/api/v1/credentials/" + credential)
                .then().statusCode(201);
        String name = uniqueName("web");
        Map<String, Object> target = teamId == null ? Map.of("project", vercelProject, "credential", credential)
                : Map.of("project", vercelProject, "credential", credential, "teamId", teamId);
        admin().body(Map.of("name", name, "provider", "vercel", "target", target, "repository",
                Map.of("url", "https://github.com/acme/shop.git", "branch", "main")))
                .post("/api/v1/projects").then().statusCode(201);
        return name;
    }

    private static void setEnv(String project, String key, String value, List<String> targets) {
        admin().body(Map.of("value", value, "targets", targets)).put("/api/v1/projects/" + project + "/env/" + key)
                .then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));
    }

    /** The fingerprints stored for a Vercel project, one per target pushed to. */
    private List<String> fingerprints(String vercelProject) {
        return pool.preparedQuery("select fingerprint from provider_env_push where provider = 'vercel' and "
                + "destination like '% project ' || $1 || ' target %'").execute(Tuple.of(vercelProject))
                .await().atMost(Duration.ofSeconds(10)).stream().map(r -> r.getString("fingerprint")).toList();
    }

    private static JsonPath get(String id) {
        return admin().get("/api/v1/deployments/" + id).then().statusCode(200).extract().jsonPath();
    }

    private static JsonPath awaitEnd(String id) {
        await().atMost(FINISH).until(() -> List.of("READY", "FAILED", "CANCELED", "TIMED_OUT")
                .contains(get(id).getString("status")));
        return get(id);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(Map<String, Object> request) {
        return (Map<String, Object>) request.get("body");
    }

    /** What the fake received for one Vercel project, optionally only one method and path prefix. */
    private static List<Map<String, Object>> requests(String vercelProject, String method, String pathPrefix) {
        String fake = ConfigProvider.getConfig().getValue("slipway.providers.vercel.api-url", String.class);
        List<Map<String, Object>> all = RestAssured.given().get(fake + "/_fake/requests").then().statusCode(200)
                .extract().jsonPath().getList("$");
        return only(all.stream().filter(r -> vercelProject.equals(r.get("project"))).toList(), method, pathPrefix);
    }

    private static List<Map<String, Object>> only(List<Map<String, Object>> requests, String method,
            String pathPrefix) {
        return requests.stream().filter(r -> method == null || method.equals(r.get("method")))
                .filter(r -> pathPrefix == null || r.get("path").toString().startsWith(pathPrefix)).toList();
    }
}
