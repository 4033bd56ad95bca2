package dev.slipway.provider.render;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.vertx.core.json.JsonObject;

/** A project's variables reach the Render service one by one before the deploy, and only when they changed. */
@QuarkusTest
@TestProfile(RenderProviderTest.WithFakeRender.class)
class RenderEnvPushTest {

    @Test
    void eachVariableIsUpsertedBeforeTheDeployAndOnlyAgainAfterAChange() {
        String service = uniqueName("srv-happy");
        String project = project(service);
        String secret = "whsec_" + UUID.randomUUID();
        setEnv(project, "WEBHOOK_SECRET", secret);
        setEnv(project, "NODE_ENV", "production");

        assertThat(awaitEnd(deploy(project, Map.of())).getString("status")).isEqualTo("READY");
        List<Map<String, Object>> all = requests(service);
        List<Map<String, Object>> puts = only(all, "PUT", "/env-vars/");
        assertThat(puts).extracting(r -> r.get("path")).containsExactly(
                "/services/" + service + "/env-vars/NODE_ENV", "/services/" + service + "/env-vars/WEBHOOK_SECRET");
        assertThat(new JsonObject(puts.get(1).get("body").toString()).getMap()).isEqualTo(Map.of("value", secret));
        int trigger = all.indexOf(only(all, "POST", "/deploys").get(0));
        assertThat(puts).allSatisfy(p -> assertThat(all.indexOf(p)).isLessThan(trigger));

        assertThat(awaitEnd(deploy(project, Map.of())).getString("status")).isEqualTo("READY");
        assertThat(only(requests(service), "PUT", "/env-vars/")).hasSize(2);

        setEnv(project, "NODE_ENV", "staging");
        assertThat(awaitEnd(deploy(project, Map.of())).getString("status")).isEqualTo("READY");
        List<Map<String, Object>> after = only(requests(service), "PUT", "/env-vars/");
        assertThat(after).hasSize(4);
        assertThat(after.get(2).get("body").toString()).contains("staging");
        // Back-to-back deployments of one service each start their own deploy, none takes the previous one's.
        assertThat(only(requests(service), "POST", "/deploys")).hasSize(3);
    }

    @Test
    void a503BurstOnThePushIsRetriedAndOneDeployIsTriggered() {
        String service = uniqueName("srv-envflaky");
        String project = project(service);
        setEnv(project, "LOG_LEVEL", "debug");

        assertThat(awaitEnd(deploy(project, Map.of())).getString("status")).isEqualTo("READY");
        assertThat(only(requests(service), "PUT", "/env-vars/")).hasSizeGreaterThanOrEqualTo(4);
        assertThat(only(requests(service), "POST", "/deploys")).hasSize(1);
    }

    @Test
    void previewAndProductionSharingOneServiceEachPushTheirOwnVariablesAgain() {
        String service = uniqueName("srv-happy");
        String project = project(service);
        admin().body(Map.of("value", "postgres://prod", "targets", List.of("production")))
                .put("/api/v1/projects/" + project + "/env/DATABASE_URL").then().statusCode(201);
        admin().body(Map.of("value", "postgres://staging", "targets", List.of("preview")))
                .put("/api/v1/projects/" + project + "/env/PREVIEW_DATABASE_URL").then().statusCode(201);

        assertThat(awaitEnd(deploy(project, Map.of("environment", "production"))).getString("status"))
                .isEqualTo("READY");
        assertThat(awaitEnd(deploy(project, Map.of("environment", "preview"))).getString("status"))
                .isEqualTo("READY");
        assertThat(awaitEnd(deploy(project, Map.of("environment", "production"))).getString("status"))
                .isEqualTo("READY");

        // The preview push changed the service after production's, so production pushes its variables again.
        assertThat(only(requests(service), "PUT", "/env-vars/")).extracting(r -> r.get("path")).containsExactly(
                "/services/" + service + "/env-vars/DATABASE_URL",
                "/services/" + service + "/env-vars/PREVIEW_DATABASE_URL",
                "/services/" + service + "/env-vars/DATABASE_URL");
    }

    // ------------------------------------------------------------------------------------------------------

    private static String project(String service) {
        String credential = uniqueName("render-ok");
        admin().body(Map.of("provider", "render", "token", FakeRender.TOKEN)).put("/api/v1/credentials/" + credential)
                .then().statusCode(201);
        String name = uniqueName("svc");
        admin().body(Map.of("name", name, "provider", "render", "target", Map.of("serviceId", service,
                "credential", credential, "ownerId", "tea-owner"))).post("/api/v1/projects").then().statusCode(201);
        return name;
    }

    private static void setEnv(String project, String key, String value) {
        admin().body(Map.of("value", value)).put("/api/v1/projects/" + project + "/env/" + key)
                .then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));
    }

    private static JsonPath awaitEnd(String id) {
        await().atMost(Duration.ofSeconds(30)).until(() -> List.of("READY", "FAILED", "CANCELED", "TIMED_OUT")
                .contains(get(id).getString("status")));
        return get(id);
    }

    private static JsonPath get(String id) {
        return admin().get("/api/v1/deployments/" + id).then().statusCode(200).extract().jsonPath();
    }

    /** Everything the fake received for one service, in order of arrival. */
    private static List<Map<String, Object>> requests(String service) {
        String base = ConfigProvider.getConfig().getValue("slipway.providers.render.api-url", String.class);
        List<Map<String, Object>> all = RestAssured.given().get(base.replace("/v1", "") + "/_fake/requests").then()
                .statusCode(200).extract().jsonPath().getList("$");
        return all.stream().filter(r -> service.equals(r.get("service"))).toList();
    }

    private static List<Map<String, Object>> only(List<Map<String, Object>> requests, String method, String part) {
        return requests.stream().filter(r -> method.equals(r.get("method")))
                .filter(r -> r.get("path").toString().contains(part)).toList();
    }
}
