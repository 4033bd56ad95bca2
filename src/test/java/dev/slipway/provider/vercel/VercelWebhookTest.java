package dev.slipway.provider.vercel;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.slipway.support.Api;
import dev.slipway.support.PollProbe;
import dev.slipway.support.WebhooksOn;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.vertx.mutiny.core.Vertx;

/**
 * Vercel's webhook, with polls so slow (10-20 s apart) that a deployment reaching READY within a few seconds can
 * only be the webhook's doing.
 */
@QuarkusTest
@TestProfile(WebhooksOn.class)
class VercelWebhookTest {

    static final String SECRET = WebhooksOn.VERCEL_SECRET;

    @Inject
    Vertx vertx;

    private PollProbe probe;

    @BeforeEach
    void listen() {
        probe = new PollProbe(vertx);
    }

    @AfterEach
    void stopListening() {
        probe.close();
    }

    @Test
    void aSignedWebhookMakesTheTrackerPollAtOnce() {
        String vercelProject = uniqueName("hold");
        String id = Api.deploy(project(vercelProject), Map.of());
        await().atMost(Duration.ofSeconds(15)).until(() -> deployment(id, "providerDeploymentId") != null);
        String providerId = deployment(id, "providerDeploymentId");
        RestAssured.given().post(fake() + "/_fake/finish?project=" + vercelProject).then().statusCode(204);

        long row = Long.parseLong(id.substring(2));

        String body = event("deployment.succeeded", providerId, id, System.currentTimeMillis());
        // A bad signature changes nothing.
        hook(body, sign(body, "not-the-secret")).then().statusCode(401).contentType("application/problem+json")
                .body("status", equalTo(401));

        hook(body, sign(body, SECRET)).then().statusCode(204);
        await().atMost(Duration.ofSeconds(5)).until(() -> "READY".equals(deployment(id, "status")));
        // Once the good one's poll request arrived, the bad one's would have too: only the good one asked.
        await().atMost(Duration.ofSeconds(5)).until(() -> probe.count(row) >= 1);
        assertThat(probe.count(row)).isEqualTo(1);
    }

    @Test
    void aReplayedOrLateEventIsAcknowledgedAndPollsNothing() {
        String id = Api.deploy(project(uniqueName("hold")), Map.of());
        try {
            replayedAndLate(id);
        } finally {
            // It builds until finished at the fake: cancelled, it holds no capacity in the tests after.
            Api.cancelIfOpen(id);
        }
    }

    private void replayedAndLate(String id) {
        await().atMost(Duration.ofSeconds(15)).until(() -> deployment(id, "providerDeploymentId") != null);
        String providerId = deployment(id, "providerDeploymentId");
        long row = Long.parseLong(id.substring(2));

        String first = event("deployment.created", providerId, id, System.currentTimeMillis());
        hook(first, sign(first, SECRET)).then().statusCode(204);
        await().atMost(Duration.ofSeconds(5)).until(() -> probe.count(row) == 1);

        // The same event id again, and an event created six minutes ago: both acknowledged, neither polls.
        hook(first, sign(first, SECRET)).then().statusCode(204);
        String late = event("deployment.created", providerId, id, System.currentTimeMillis() - 360_000);
        hook(late, sign(late, SECRET)).then().statusCode(204);
        // A new event after them: once its request arrived, any earlier one would have too.
        String next = event("deployment.ready", providerId, id, System.currentTimeMillis());
        hook(next, sign(next, SECRET)).then().statusCode(204);
        await().atMost(Duration.ofSeconds(5)).until(() -> probe.count(row) >= 2);
        assertThat(probe.count(row)).isEqualTo(2);
    }

    @Test
    void aWebhookAboutAnUnknownDeploymentIsAcknowledgedAndIgnored() {
        String id = Api.deploy(project(uniqueName("hold")), Map.of());
        try {
            await().atMost(Duration.ofSeconds(15)).until(() -> deployment(id, "providerDeploymentId") != null);
            String body = "{\"type\":\"deployment.created\",\"payload\":{\"deployment\":{\"id\":\"dpl_unknown\"}}}";
            hook(body, sign(body, SECRET)).then().statusCode(204);
            String other = "{\"type\":\"project.created\",\"payload\":{\"project\":{\"id\":\"prj_9\"}}}";
            hook(other, sign(other, SECRET)).then().statusCode(204);

            // A webhook about a followed deployment after them: once its poll request arrived, theirs would have.
            long row = Long.parseLong(id.substring(2));
            String known = event("deployment.created", deployment(id, "providerDeploymentId"), id,
                    System.currentTimeMillis());
            hook(known, sign(known, SECRET)).then().statusCode(204);
            await().atMost(Duration.ofSeconds(5)).until(() -> probe.count(row) >= 1);
            assertThat(probe.total()).isEqualTo(1);
        } finally {
            Api.cancelIfOpen(id);
        }
    }

    @Test
    void aWebhookThatArrivesDuringAPollIsFollowedByAnotherPollAtOnce() {
        String vercelProject = uniqueName("hold");
        String id = Api.deploy(project(vercelProject), Map.of());
        try {
            await().atMost(Duration.ofSeconds(15)).until(() -> deployment(id, "providerDeploymentId") != null);
            String providerId = deployment(id, "providerDeploymentId");
            slowStatus(1_500);
            long readsBefore = statusReads(providerId);
            String created = event("deployment.created", providerId, id, System.currentTimeMillis());
            hook(created, sign(created, SECRET)).then().statusCode(204);
            // That poll has read the state (still building) and waits for its answer when the build ends.
            await().atMost(Duration.ofSeconds(5)).until(() -> statusReads(providerId) > readsBefore);
            RestAssured.given().post(fake() + "/_fake/finish?project=" + vercelProject).then().statusCode(204);
            String succeeded = event("deployment.succeeded", providerId, id, System.currentTimeMillis());
            hook(succeeded, sign(succeeded, SECRET)).then().statusCode(204);

            // Polls are 20 s apart here: READY this soon means the second webhook was not lost behind the first.
            await().atMost(Duration.ofSeconds(8)).until(() -> "READY".equals(deployment(id, "status")));
        } finally {
            slowStatus(0);
            Api.cancelIfOpen(id);
        }
    }

    private static void slowStatus(long millis) {
        RestAssured.given().post(fake() + "/_fake/slow-status?ms=" + millis).then().statusCode(204);
    }

    /** How many times the fake was asked for this deployment's state. */
    private static long statusReads(String providerId) {
        List<Map<String, Object>> all = RestAssured.given().get(fake() + "/_fake/requests").then().statusCode(200)
                .extract().jsonPath().getList("$");
        return all.stream().filter(r -> "GET".equals(r.get("method"))
                && ("/v13/deployments/" + providerId).equals(r.get("path"))).count();
    }

    @Test
    void aMissingSignatureIsUnauthorized() {
        RestAssured.given().body("{}").post("/hooks/vercel").then().statusCode(401)
                .contentType("application/problem+json");
    }

    /** An event in Vercel's shape, with a fresh event id. */
    private static String event(String type, String providerId, String slipwayId, long createdAt) {
        return "{\"type\":\"" + type + "\",\"id\":\"evt_" + UUID.randomUUID() + "\",\"createdAt\":" + createdAt
                + ",\"payload\":{\"deployment\":{\"id\":\"" + providerId + "\",\"meta\":{\"slipwayDeploymentId\":\""
                + slipwayId + "\"}},\"project\":{\"id\":\"prj_1\"},\"target\":\"production\"}}";
    }

    private static io.restassured.response.Response hook(String body, String signature) {
        return RestAssured.given().header("x-vercel-signature", signature).contentType("application/json")
                .body(body.getBytes(StandardCharsets.UTF_8)).post("/hooks/vercel");
    }

    private static String sign(String body, String secret) {
        return HexFormat.of().formatHex(VercelWebhooks.hmac(body.getBytes(StandardCharsets.UTF_8), secret));
    }

    private static String project(String vercelProject) {
        String credential = uniqueName("vercel-hook");
        admin().body(Map.of("provider", "vercel", "token", FakeVercel.TOKEN)).put("/api/v1/credentials/"
                + credential).then().statusCode(201);
        String name = uniqueName("hooked");
        admin().body(Map.of("name", name, "provider", "vercel", "target", Map.of("project", vercelProject,
                "credential", credential), "repository", Map.of("url", "https://github.com/acme/shop")))
                .post("/api/v1/projects").then().statusCode(201);
        return name;
    }

    private static String deployment(String id, String field) {
        return admin().get("/api/v1/deployments/" + id).then().statusCode(200).extract().path(field);
    }

    private static String fake() {
        return ConfigProvider.getConfig().getValue("slipway.providers.vercel.api-url", String.class);
    }
}
