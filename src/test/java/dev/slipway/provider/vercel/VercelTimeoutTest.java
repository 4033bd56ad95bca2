package dev.slipway.provider.vercel;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import dev.slipway.support.Api;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/** A Vercel build that never ends is cancelled at Vercel and finishes as TIMED_OUT. */
@QuarkusTest
@TestProfile(VercelTimeoutTest.ShortTimeout.class)
class VercelTimeoutTest {

    /** The fake Vercel and a deployment timeout of a few seconds. */
    public static class ShortTimeout implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeVercel.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("slipway.deployment.timeout", "3s");
        }
    }

    @Test
    void aBuildThatNeverEndsIsCancelledAtVercelAndTimesOut() {
        String credential = uniqueName("vercel-slow");
        admin().body(Map.of("provider", "vercel", "token", FakeVercel.TOKEN)).put("/api/v1/credentials/"
                + credential).then().statusCode(201);
        String vercelProject = uniqueName("cancel");
        String project = uniqueName("slow");
        admin().body(Map.of("name", project, "provider", "vercel", "target", Map.of("project", vercelProject,
                "credential", credential), "repository", Map.of("url", "git@github.com:acme/shop.git")))
                .post("/api/v1/projects").then().statusCode(201);
        String id = Api.deploy(project, Map.of());

        await().atMost(Duration.ofSeconds(20)).until(() -> "TIMED_OUT".equals(admin().get("/api/v1/deployments/"
                + id).then().statusCode(200).extract().path("status")));
        String providerId = admin().get("/api/v1/deployments/" + id).then().extract().path("providerDeploymentId");
        List<Map<String, Object>> cancels = RestAssured.given().get(fake() + "/_fake/requests").then()
                .statusCode(200).extract().jsonPath().getList("findAll { it.method == 'PATCH' && it.path == '/v12/"
                        + "deployments/" + providerId + "/cancel' }");
        assertThat(cancels).singleElement().satisfies(r -> assertThat(r.get("tokenAccepted")).isEqualTo(true));
    }

    private static String fake() {
        return ConfigProvider.getConfig().getValue("slipway.providers.vercel.api-url", String.class);
    }
}
