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

/**
 * A Vercel build that never ends is cancelled at Vercel and finishes as TIMED_OUT, and so does a deployment whose
 * trigger never goes through.
 */
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
            // The breaker never opens here, so a failing trigger keeps its place and runs into the timeout.
            return Map.of("slipway.deployment.timeout", "3s", "quarkus.fault-tolerance.\"dev.slipway.provider.vercel"
                    + ".VercelGuard/call\".circuit-breaker.request-volume-threshold", "100000");
        }
    }

    @Test
    void aBuildThatNeverEndsIsCancelledAtVercelAndTimesOut() {
        String id = deployTo(uniqueName("cancel"));

        awaitTimedOut(id);
        String providerId = admin().get("/api/v1/deployments/" + id).then().extract().path("providerDeploymentId");
        List<Map<String, Object>> cancels = received("it.method == 'PATCH' && it.path == '/v12/deployments/"
                + providerId + "/cancel'");
        assertThat(cancels).singleElement().satisfies(r -> assertThat(r.get("tokenAccepted")).isEqualTo(true));
    }

    @Test
    void aTriggerThatNeverGoesThroughTimesOutAndSaysWhatToCheck() {
        RestAssured.given().post(fake() + "/_fake/down?on=true").then().statusCode(204);
        try {
            String vercelProject = uniqueName("never");
            String id = deployTo(vercelProject);

            awaitTimedOut(id);
            String reason = admin().get("/api/v1/deployments/" + id).then().extract().path("statusReason");
            assertThat(reason).startsWith("did not finish within 3 seconds (SLIPWAY_DEPLOYMENT_TIMEOUT)")
                    .contains("check vercel for a deployment started after");
            assertThat(received("it.method == 'POST' && it.project == '" + vercelProject + "'")).isEmpty();
        } finally {
            RestAssured.given().post(fake() + "/_fake/down?on=false").then().statusCode(204);
        }
    }

    /** Creates a credential and a project for {@code vercelProject} and deploys it; answers the deployment's id. */
    private static String deployTo(String vercelProject) {
        String credential = uniqueName("vercel-slow");
        admin().body(Map.of("provider", "vercel", "token", FakeVercel.TOKEN)).put("/api/v1/credentials/"
                + credential).then().statusCode(201);
        String project = uniqueName("slow");
        admin().body(Map.of("name", project, "provider", "vercel", "target", Map.of("project", vercelProject,
                "credential", credential), "repository", Map.of("url", "git@github.com:acme/shop.git")))
                .post("/api/v1/projects").then().statusCode(201);
        return Api.deploy(project, Map.of());
    }

    private static void awaitTimedOut(String id) {
        await().atMost(Duration.ofSeconds(20)).until(() -> "TIMED_OUT".equals(admin().get("/api/v1/deployments/"
                + id).then().statusCode(200).extract().path("status")));
    }

    /** The requests the fake received that match a GPath condition on {@code it}. */
    private static List<Map<String, Object>> received(String condition) {
        return RestAssured.given().get(fake() + "/_fake/requests").then().statusCode(200).extract().jsonPath()
                .getList("findAll { " + condition + " }");
    }

    private static String fake() {
        return ConfigProvider.getConfig().getValue("slipway.providers.vercel.api-url", String.class);
    }
}
