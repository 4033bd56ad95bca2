package dev.slipway.provider.vercel;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A replica that dies between sending Vercel's create and storing its answer: the replica taking over finds the
 * deployment by Slipway's tag in {@code meta} and follows it, without creating a second one.
 */
@QuarkusTest
@TestProfile(VercelProviderTest.WithFakeVercel.class)
class VercelTakeoverTest {

    @Inject
    Pool pool;

    @Test
    void aTakenOverDeploymentWithoutProviderIdIsFoundByItsTagAndNotCreatedAgain() {
        String vercelProject = uniqueName("happy");
        String project = project(vercelProject);
        // The dead replica's claim: started, no provider id stored, a lease that has not expired yet.
        long row = pool.preparedQuery("""
                insert into deployment (project_id, provider, environment, status, attempts, lease_owner,
                    lease_epoch, lease_expires_at, started_at)
                select id, 'vercel', 'production', 'STARTING', 1, 'replica-that-died', 1,
                    now() + interval '1 hour', now()
                from project where name = $1 returning id""").execute(Tuple.of(project)).await()
                .atMost(Duration.ofSeconds(10)).iterator().next().getLong("id");
        String id = "d-" + row;
        // Its create reached Vercel, tagged as Slipway tags every deployment.
        RestAssured.given().header("Authorization", "Bearer " + FakeVercel.TOKEN).contentType("application/json")
                .body(Map.of("name", vercelProject, "project", vercelProject, "target", "production",
                        "meta", Map.of(VercelProvider.TAG, id), "gitSource", Map.of("type", "github", "org", "acme",
                                "repo", "shop", "ref", "main")))
                .post(fake() + "/v13/deployments").then().statusCode(200);

        // Then it died: its lease runs out and this replica's recovery pass takes the deployment over.
        pool.preparedQuery("update deployment set lease_expires_at = now() - interval '1 second' where id = $1")
                .execute(Tuple.of(row)).await().atMost(Duration.ofSeconds(10));

        await().atMost(Duration.ofSeconds(30)).until(() -> "READY".equals(get(id).getString("status")));
        JsonPath done = get(id);
        assertThat(done.getString("providerDeploymentId")).startsWith("dpl_");
        assertThat(done.getInt("attempts")).isEqualTo(2);
        // The one create is the dead replica's; the lookup found it.
        assertThat(requests(vercelProject, "POST")).hasSize(1);
        assertThat(requests(vercelProject, "GET")).anySatisfy(r -> assertThat(r.get("path"))
                .isEqualTo("/v6/deployments"));
    }

    private static String project(String vercelProject) {
        String credential = uniqueName("vercel-takeover");
        admin().body(Map.of("provider", "vercel", "token", FakeVercel.TOKEN)).put("/api/v1/credentials/"
                + credential).then().statusCode(201);
        String name = uniqueName("web");
        admin().body(Map.of("name", name, "provider", "vercel", "target", Map.of("project", vercelProject,
                "credential", credential), "repository", Map.of("url", "https://github.com/acme/shop.git",
                        "branch", "main"))).post("/api/v1/projects").then().statusCode(201);
        return name;
    }

    private static JsonPath get(String id) {
        return admin().get("/api/v1/deployments/" + id).then().statusCode(200).extract().jsonPath();
    }

    private static List<Map<String, Object>> requests(String vercelProject, String method) {
        List<Map<String, Object>> all = RestAssured.given().get(fake() + "/_fake/requests").then().statusCode(200)
                .extract().jsonPath().getList("$");
        return all.stream().filter(r -> vercelProject.equals(r.get("project")))
                .filter(r -> method.equals(r.get("method"))).toList();
    }

    private static String fake() {
        return ConfigProvider.getConfig().getValue("slipway.providers.vercel.api-url", String.class);
    }
}
