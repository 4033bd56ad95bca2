package dev.slipway.provider.render;

import static dev.slipway.provider.render.RenderProviderTest.awaitEnd;
import static dev.slipway.provider.render.RenderProviderTest.credential;
import static dev.slipway.provider.render.RenderProviderTest.get;
import static dev.slipway.provider.render.RenderProviderTest.project;
import static dev.slipway.provider.render.RenderProviderTest.requests;
import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.simulatorProject;
import static dev.slipway.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import dev.slipway.provider.HttpAnswer;
import dev.slipway.provider.ProviderException;
import dev.slipway.provider.railway.RailwayGuard;
import dev.slipway.provider.vercel.VercelGuard;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.mutiny.Uni;

/**
 * The Render adapter when Render misbehaves: 503 bursts, a rate limit, an outage that opens the breaker, an answer
 * that stays malformed; and how every provider's guard takes a terminal failure.
 */
@QuarkusTest
@TestProfile(RenderProviderTest.WithFakeRender.class)
class RenderFaultsTest {

    @Inject
    CircuitBreakerMaintenance breakers;

    @Inject
    VercelGuard vercelGuard;

    @Inject
    RenderGuard renderGuard;

    @Inject
    RailwayGuard railwayGuard;

    @Test
    void aTerminalFailureInsideAGuardedAttemptReachesRenderOnceAndFailsTheDeployment() {
        String service = uniqueName("srv-garbledlist");
        String id = deploy(project(service, credential(), "tea-owner"), Map.of());

        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("FAILED");
        assertThat(done.getString("statusReason")).contains("malformed JSON " + RenderProvider.MAX_MALFORMED
                + " times in a row");
        // Each unreadable list counts once; the one that made it terminal was the last request, not retried.
        List<Map<String, Object>> lists = requests(service, "GET", "/services/" + service + "/deploys");
        assertThat(lists).hasSize(RenderProvider.MAX_MALFORMED);
        List<Map<String, Object>> all = requests(service, null, null);
        assertThat(all.get(all.size() - 1)).isEqualTo(lists.get(lists.size() - 1));
        assertThat(requests(service, "POST", "/services/" + service + "/deploys")).hasSize(1);
    }

    @Test
    void terminalFailuresAreNeitherRetriedNorCountedByAnyProvidersBreaker() {
        Map<String, Function<Supplier<Uni<HttpAnswer>>, Uni<HttpAnswer>>> guards = Map.of(
                VercelGuard.BREAKER, vercelGuard::call, RenderGuard.BREAKER, renderGuard::call,
                RailwayGuard.BREAKER, railwayGuard::call);
        guards.forEach((breaker, guard) -> {
            breakers.reset(breaker);
            for (int i = 0; i < 12; i++) {
                AtomicInteger attempts = new AtomicInteger();
                Throwable e = catchThrowable(() -> guard.apply(() -> {
                    attempts.incrementAndGet();
                    return Uni.createFrom().failure(ProviderException.terminal("rejected for good"));
                }).await().atMost(Duration.ofSeconds(10)));
                assertThat(e).as(breaker).isInstanceOf(ProviderException.Terminal.class)
                        .hasMessage("rejected for good");
                assertThat(attempts).as(breaker).hasValue(1);
            }
            assertThat(breakers.currentState(breaker)).as(breaker).isEqualTo(CircuitBreakerState.CLOSED);
        });
    }

    @Test
    void a503BurstIsRetriedAndCreatesOneDeploy() {
        String service = uniqueName("srv-flaky");
        String id = deploy(project(service, credential(), "tea-owner"), Map.of());

        JsonPath done = awaitEnd(id);
        assertThat(done.getString("status")).isEqualTo("READY");
        // Three 503s created nothing, the fourth trigger was accepted: one deploy at Render, the one followed.
        assertThat(requests(service, "POST", "/services/" + service + "/deploys")).hasSize(4);
        assertThat(deploys(service)).containsExactly(done.getString("providerDeploymentId"));
    }

    @Test
    void aRateLimitedCallWaitsForRetryAfterBeforeTheNextCall() {
        String service = uniqueName("srv-limited");
        String id = deploy(project(service, credential(), "tea-owner"), Map.of());

        assertThat(awaitEnd(id).getString("status")).isEqualTo("READY");
        List<Map<String, Object>> calls = requests(service, null, null);
        long limitedAt = at(requests(service, "POST", "/services/" + service + "/deploys").get(0));
        long next = calls.stream().mapToLong(RenderFaultsTest::at).filter(at -> at > limitedAt).min().orElseThrow();
        assertThat(next - limitedAt).isGreaterThanOrEqualTo(2000);
        assertThat(deploys(service)).hasSize(1);
    }

    @Test
    void aRetryAfterGivenAsAnHttpDateIsWaitedOutUntilThatDate() {
        String service = uniqueName("srv-dated");
        String id = deploy(project(service, credential(), "tea-owner"), Map.of());

        assertThat(awaitEnd(id).getString("status")).isEqualTo("READY");
        long limitedAt = at(requests(service, "POST", "/services/" + service + "/deploys").get(0));
        long next = requests(service, null, null).stream().mapToLong(RenderFaultsTest::at)
                .filter(at -> at > limitedAt).min().orElseThrow();
        // The date named a whole second more than two seconds after the 429.
        assertThat(next - limitedAt).isGreaterThanOrEqualTo(2000);
        assertThat(deploys(service)).hasSize(1);
    }

    @Test
    void anOutageOpensTheBreakerDeploymentsWaitAndOtherProvidersGoOn() {
        fakeDown(true);
        try {
            String service = uniqueName("srv-happy");
            String id = deploy(project(service, credential(), "tea-owner"), Map.of());
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> breakers.currentState(RenderGuard.BREAKER) == CircuitBreakerState.OPEN);
            JsonPath providers = admin().get("/api/v1/providers").then().statusCode(200).extract().jsonPath();
            assertThat(providers.getString("find { it.name == 'render' }.circuit")).isEqualTo("OPEN");

            String simulated = deploy(simulatorProject(Map.of("buildSeconds", 0)), Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> "READY".equals(get(simulated).getString("status")));
            assertThat(get(id).getString("status")).isIn("QUEUED", "STARTING");

            fakeDown(false);
            assertThat(awaitEnd(id).getString("status")).isEqualTo("READY");
            // Triggers sent into the outage created nothing; the one after it created the only deploy.
            assertThat(deploys(service)).hasSize(1);
        } finally {
            fakeDown(false);
        }
    }

    private static long at(Map<String, Object> request) {
        return ((Number) request.get("at")).longValue();
    }

    private static List<String> deploys(String service) {
        return RestAssured.given().get(fake() + "/_fake/deploys?service=" + service).then().statusCode(200)
                .extract().jsonPath().getList("$");
    }

    private static void fakeDown(boolean on) {
        RestAssured.given().post(fake() + "/_fake/down?on=" + on).then().statusCode(204);
    }

    private static String fake() {
        return ConfigProvider.getConfig().getValue("slipway.providers.render.api-url", String.class)
                .replace("/v1", "");
    }
}
