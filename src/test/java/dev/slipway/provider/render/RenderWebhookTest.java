package dev.slipway.provider.render;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
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
import io.restassured.response.Response;
import io.vertx.mutiny.core.Vertx;

/**
 * Render's webhook against {@link FakeRender}, with polls 10-20 s apart: a deploy moving on within seconds of a
 * webhook is the webhook's doing. Poll requests are also counted as they travel through PostgreSQL.
 */
@QuarkusTest
@TestProfile(WebhooksOn.class)
class RenderWebhookTest {

    @Inject
    Vertx vertx;

    private PollProbe probe;
    private final List<String> started = new ArrayList<>();

    @BeforeEach
    void listen() {
        probe = new PollProbe(vertx);
    }

    @AfterEach
    void cleanUp() {
        probe.close();
        started.forEach(Api::cancelIfOpen);
    }

    @Test
    void aSignedWebhookMakesTheTrackerPollAtOnceAndAReplayDoesNot() {
        String service = uniqueName("srv-happy");
        String id = started(deploy(project(service), Map.of()));
        awaitFirstPoll(id);
        assertThat(statusCalls(service)).isEqualTo(1);

        // Render's deploy events name the event and the service, not the deploy.
        String event = event("deploy_started", service);
        String first = "msg_" + UUID.randomUUID();
        hook(first, now(), event, WebhooksOn.RENDER_SECRET).then().statusCode(204);
        await().atMost(Duration.ofSeconds(5)).until(() -> "BUILDING".equals(field(id, "status")));
        assertThat(statusCalls(service)).isEqualTo(2);

        // The same webhook-id again, even freshly timed and signed, is acknowledged and ignored.
        hook(first, now(), event, WebhooksOn.RENDER_SECRET).then().statusCode(204);
        hook("msg_" + UUID.randomUUID(), now(), event("deploy_ended", service), WebhooksOn.RENDER_SECRET).then()
                .statusCode(204);
        await().atMost(Duration.ofSeconds(5)).until(() -> "DEPLOYING".equals(field(id, "status")));
        await().atMost(Duration.ofSeconds(5)).until(() -> probe.count(row(id)) >= 2);
        assertThat(probe.count(row(id))).isEqualTo(2);
        assertThat(statusCalls(service)).isEqualTo(3);
    }

    @Test
    void aBadlySignedOrStaleWebhookIsRefusedAndChangesNothing() {
        String service = uniqueName("srv-happy");
        String id = started(deploy(project(service), Map.of()));
        awaitFirstPoll(id);
        String event = event("deploy_ended", service);

        hook("msg_" + UUID.randomUUID(), now(), event, "whsec_" + Base64.getEncoder().encodeToString(
                "not-the-key".getBytes(StandardCharsets.UTF_8))).then().statusCode(401)
                .contentType("application/problem+json").body("status", equalTo(401))
                .body(not(containsString(WebhooksOn.RENDER_SECRET.substring(6))));
        // Correctly signed, but sent ten minutes ago or dated ten minutes ahead.
        hook("msg_" + UUID.randomUUID(), now() - 600, event, WebhooksOn.RENDER_SECRET).then().statusCode(401);
        hook("msg_" + UUID.randomUUID(), now() + 600, event, WebhooksOn.RENDER_SECRET).then().statusCode(401);
        RestAssured.given().contentType("application/json").body(event).post("/hooks/render").then()
                .statusCode(401).contentType("application/problem+json");
        assertThat(field(id, "status")).isEqualTo("STARTING");

        // A good one after them: once its request arrived, any earlier one would have too.
        hook("msg_" + UUID.randomUUID(), now(), event, WebhooksOn.RENDER_SECRET).then().statusCode(204);
        await().atMost(Duration.ofSeconds(5)).until(() -> probe.count(row(id)) >= 1);
        assertThat(probe.count(row(id))).isEqualTo(1);
    }

    @Test
    void theFiveMinuteWindowHoldsOnBothSidesOfNow() {
        String service = uniqueName("srv-happy");
        String id = started(deploy(project(service), Map.of()));
        awaitFirstPoll(id);
        String event = event("deploy_started", service);

        // Just outside the window, either way: refused like a bad signature.
        hook("msg_" + UUID.randomUUID(), now() - 310, event, WebhooksOn.RENDER_SECRET).then().statusCode(401);
        hook("msg_" + UUID.randomUUID(), now() + 310, event, WebhooksOn.RENDER_SECRET).then().statusCode(401);
        // Just inside it: a Render retry of a few minutes ago still makes the tracker poll.
        hook("msg_" + UUID.randomUUID(), now() - 290, event, WebhooksOn.RENDER_SECRET).then().statusCode(204);
        await().atMost(Duration.ofSeconds(5)).until(() -> "BUILDING".equals(field(id, "status")));
        // Once the accepted one's poll request arrived, a refused one's would have too.
        await().atMost(Duration.ofSeconds(5)).until(() -> probe.count(row(id)) >= 1);
        assertThat(probe.count(row(id))).isEqualTo(1);
    }

    @Test
    void aWebhookAboutAServiceSlipwayDoesNotFollowIsAcknowledgedAndIgnored() {
        String service = uniqueName("srv-happy");
        String id = started(deploy(project(service), Map.of()));
        awaitFirstPoll(id);

        hook("msg_" + UUID.randomUUID(), now(), event("deploy_ended", "srv-unknown-1"), WebhooksOn.RENDER_SECRET)
                .then().statusCode(204);
        hook("msg_" + UUID.randomUUID(), now(), "{\"type\":\"server_available\",\"data\":{}}",
                WebhooksOn.RENDER_SECRET).then().statusCode(204);

        // A webhook about a followed service after them: once its poll request arrived, theirs would have too.
        hook("msg_" + UUID.randomUUID(), now(), event("deploy_started", service), WebhooksOn.RENDER_SECRET).then()
                .statusCode(204);
        await().atMost(Duration.ofSeconds(5)).until(() -> probe.count(row(id)) >= 1);
        assertThat(probe.total()).isEqualTo(1);
    }

    // ------------------------------------------------------------------------------------------------------

    /** Polls 20 s apart would leave it unfinished: it is cancelled after the test. */
    private String started(String id) {
        started.add(id);
        return id;
    }

    /** A webhook in Render's shape: the event's id and the service. */
    private static String event(String type, String service) {
        return "{\"type\":\"" + type + "\",\"timestamp\":\"" + Instant.now() + "\",\"data\":{\"id\":\"evj-"
                + UUID.randomUUID().toString().substring(0, 8) + "\",\"serviceId\":\"" + service
                + "\",\"serviceName\":\"shop\",\"status\":\"succeeded\"}}";
    }

    private static Response hook(String webhookId, long timestamp, String body, String secret) {
        byte[] raw = body.getBytes(StandardCharsets.UTF_8);
        String signature = Base64.getEncoder().encodeToString(RenderWebhooks.sign(webhookId,
                Long.toString(timestamp), raw, RenderWebhooks.key(secret)));
        return RestAssured.given().header("webhook-id", webhookId).header("webhook-timestamp", timestamp)
                .header("webhook-signature", "v1,bm90IHRoaXMgb25l v1," + signature).contentType("application/json")
                .body(raw).post("/hooks/render");
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }

    /** Waits until the trigger is stored and the first poll's log lines are in: the next poll is far away. */
    private static void awaitFirstPoll(String id) {
        await().atMost(Duration.ofSeconds(15)).until(() -> field(id, "providerDeploymentId") != null
                && admin().get("/api/v1/deployments/" + id + "/logs").then().statusCode(200).extract()
                        .jsonPath().getList("items").size() == 2);
    }

    private static String project(String service) {
        String credential = uniqueName("render-hook");
        admin().body(Map.of("provider", "render", "token", FakeRender.TOKEN)).put("/api/v1/credentials/"
                + credential).then().statusCode(201);
        String name = uniqueName("hooked");
        admin().body(Map.of("name", name, "provider", "render", "target", Map.of("serviceId", service,
                "credential", credential, "ownerId", "tea-owner"))).post("/api/v1/projects").then().statusCode(201);
        return name;
    }

    private static String field(String id, String field) {
        return admin().get("/api/v1/deployments/" + id).then().statusCode(200).extract().path(field);
    }

    private static long row(String id) {
        return Long.parseLong(id.substring(2));
    }

    /** Status polls of the service's deploys that reached the fake. */
    private static long statusCalls(String service) {
        String base = ConfigProvider.getConfig().getValue("slipway.providers.render.api-url", String.class);
        List<Map<String, Object>> all = RestAssured.given().get(base.replace("/v1", "") + "/_fake/requests").then()
                .statusCode(200).extract().jsonPath().getList("$");
        return all.stream().filter(r -> service.equals(r.get("service")) && "GET".equals(r.get("method"))
                && r.get("path").toString().matches("/services/[^/]+/deploys/[^/]+")).count();
    }
}
