package dev.slipway.provider.railway;

import static dev.slipway.provider.railway.RailwayProviderTest.awaitEnd;
import static dev.slipway.provider.railway.RailwayProviderTest.credential;
import static dev.slipway.provider.railway.RailwayProviderTest.get;
import static dev.slipway.provider.railway.RailwayProviderTest.project;
import static dev.slipway.provider.railway.RailwayProviderTest.requests;
import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.simulatorProject;
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
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

/** The Railway adapter when Railway misbehaves at the HTTP level: an outage, a 429, a burst of 503s. */
@QuarkusTest
@TestProfile(RailwayProviderTest.WithFakeRailway.class)
class RailwayFaultsTest {

    @Inject
    CircuitBreakerMaintenance breakers;

    @Test
    void anOutageOpensTheBreakerTheDeploymentWaitsAndOtherProvidersGoOn() {
        fakeDown(true);
        try {
            String service = uniqueName("happy");
            String id = deploy(project(service, credential()), Map.of());
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> breakers.currentState(RailwayGuard.BREAKER) == CircuitBreakerState.OPEN);
            JsonPath providers = admin().get("/api/v1/providers").then().statusCode(200).extract().jsonPath();
            assertThat(providers.getString("find { it.name == 'railway' }.circuit")).isEqualTo("OPEN");

            String simulated = deploy(simulatorProject(Map.of("buildSeconds", 0)), Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> "READY".equals(get(simulated).getString("status")));
            assertThat(get(id).getString("status")).isIn("QUEUED", "STARTING");

            fakeDown(false);
            JsonPath done = awaitEnd(id);
            assertThat(done.getString("status")).isEqualTo("READY");
            // Deploys sent into the outage created nothing; the one after it created the only deployment.
            assertThat(deployments(service)).containsExactly(done.getString("providerDeploymentId"));
        } finally {
            fakeDown(false);
        }
    }

    @Test
    void a429WithRetryAfterOnTheDeployWaitsThatLongBeforeTheNextCall() {
        String service = uniqueName("throttled");
        String id = deploy(project(service, credential()), Map.of());

        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("READY");
        long limitedAt = at(requests(service, "deploy").get(0));
        long next = requests(service, null).stream().mapToLong(RailwayFaultsTest::at).filter(at -> at > limitedAt)
                .min().orElseThrow();
        assertThat(next - limitedAt).isGreaterThanOrEqualTo(2000);
        assertThat(deployments(service)).containsExactly(done.getString("providerDeploymentId"));
    }

    @Test
    void a503BurstOnTheDeployIsRetriedAndCreatesOneDeployment() {
        String service = uniqueName("burst");
        String id = deploy(project(service, credential()), Map.of());

        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("READY");
        // Three 503s created nothing, so the deploy was sent again; the fourth was accepted and is followed.
        assertThat(requests(service, "deploy")).hasSize(4);
        assertThat(deployments(service)).containsExactly(done.getString("providerDeploymentId"));
    }

    private static long at(Map<String, Object> request) {
        return ((Number) request.get("at")).longValue();
    }

    private static List<String> deployments(String service) {
        return RestAssured.given().get(fake() + "/_fake/deployments?service=" + service).then().statusCode(200)
                .extract().jsonPath().getList("$");
    }

    private static void fakeDown(boolean on) {
        RestAssured.given().post(fake() + "/_fake/down?on=" + on).then().statusCode(204);
    }

    private static String fake() {
        return ConfigProvider.getConfig().getValue("slipway.providers.railway.api-url", String.class);
    }
}
