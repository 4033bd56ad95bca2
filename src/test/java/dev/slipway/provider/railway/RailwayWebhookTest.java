package dev.slipway.provider.railway;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.slipway.support.PollProbe;
import dev.slipway.support.WebhooksOn;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Railway's webhook. The deployment it is about is one another replica follows (its lease is held elsewhere), so
 * what the webhook does is seen in the poll requests that travel through PostgreSQL to that replica.
 */
@QuarkusTest
@TestProfile(WebhooksOn.class)
class RailwayWebhookTest {

    @Inject
    Vertx vertx;

    @Inject
    Pool pool;

    private PollProbe probe;
    private final List<Long> rows = new ArrayList<>();

    @BeforeEach
    void listen() {
        probe = new PollProbe(vertx);
    }

    @AfterEach
    void cleanUp() {
        probe.close();
        // Ended, so they take no capacity from the tests after these.
        for (long row : rows) {
            pool.preparedQuery("update deployment set status = 'CANCELED', finished_at = now(), lease_owner = null, "
                    + "lease_expires_at = null where id = $1").execute(Tuple.of(row)).await()
                    .atMost(Duration.ofSeconds(10));
        }
    }

    @Test
    void aWebhookOnTheTokenUrlRequestsAPollOnceAndAReplayDoesNot() {
        String railwayId = UUID.randomUUID().toString();
        long row = followedElsewhere(railwayId);
        String event = event("Deployment.succeeded", railwayId, Instant.now());

        hook(WebhooksOn.RAILWAY_TOKEN, event).then().statusCode(204);
        await().atMost(Duration.ofSeconds(5)).until(() -> probe.count(row) == 1);

        // Railway has no event id: the same deployment, type and timestamp is the same webhook.
        hook(WebhooksOn.RAILWAY_TOKEN, event).then().statusCode(204);
        hook(WebhooksOn.RAILWAY_TOKEN, event("Deployment.failed", railwayId, Instant.now())).then().statusCode(204);
        await().atMost(Duration.ofSeconds(5)).until(() -> probe.count(row) >= 2);
        assertThat(probe.count(row)).isEqualTo(2);
    }

    @Test
    void aWrongTokenIsUnauthorizedAndALateWebhookIsIgnored() {
        String railwayId = UUID.randomUUID().toString();
        long row = followedElsewhere(railwayId);

        hook("rwhk_guessed_token_0000", event("Deployment.failed", railwayId, Instant.now())).then()
                .statusCode(401).contentType("application/problem+json")
                .body(not(containsString("rwhk_guessed_token_0000")))
                .body(not(containsString(WebhooksOn.RAILWAY_TOKEN)));
        // Acknowledged, so Railway stops retrying, but ten minutes late it moves nothing.
        hook(WebhooksOn.RAILWAY_TOKEN, event("Deployment.failed", railwayId, Instant.now().minusSeconds(600)))
                .then().statusCode(204);
        hook(WebhooksOn.RAILWAY_TOKEN, "{\"type\":\"Deployment.failed\",\"resource\":{\"deployment\":{\"id\":\""
                + railwayId + "\"}}}").then().statusCode(204);

        // A good one after them: once its request arrived, any earlier one would have too.
        hook(WebhooksOn.RAILWAY_TOKEN, event("Deployment.deploying", railwayId, Instant.now())).then()
                .statusCode(204);
        await().atMost(Duration.ofSeconds(5)).until(() -> probe.count(row) >= 1);
        assertThat(probe.count(row)).isEqualTo(1);
    }

    @Test
    void aWebhookAboutADeploymentSlipwayDoesNotFollowIsAcknowledgedAndPollsNothing() {
        String railwayId = UUID.randomUUID().toString();
        long row = followedElsewhere(railwayId);

        hook(WebhooksOn.RAILWAY_TOKEN, event("Deployment.failed", UUID.randomUUID().toString(), Instant.now()))
                .then().statusCode(204);
        hook(WebhooksOn.RAILWAY_TOKEN, "{\"type\":\"Volume.alert\",\"timestamp\":\"" + Instant.now() + "\"}")
                .then().statusCode(204);

        // A webhook about a followed deployment after them: once its poll request arrived, theirs would have too.
        hook(WebhooksOn.RAILWAY_TOKEN, event("Deployment.deploying", railwayId, Instant.now())).then()
                .statusCode(204);
        await().atMost(Duration.ofSeconds(5)).until(() -> probe.count(row) >= 1);
        assertThat(probe.total()).isEqualTo(1);
    }

    // ------------------------------------------------------------------------------------------------------

    /** A webhook in Railway's shape. */
    private static String event(String type, String deploymentId, Instant at) {
        return "{\"type\":\"" + type + "\",\"details\":{\"id\":\"" + deploymentId + "\",\"status\":\"FAILED\"},"
                + "\"resource\":{\"project\":{\"id\":\"prj-1\"},\"environment\":{\"id\":\"env-1\"},"
                + "\"service\":{\"id\":\"svc-1\"},\"deployment\":{\"id\":\"" + deploymentId + "\"}},"
                + "\"severity\":\"WARNING\",\"timestamp\":\"" + at + "\"}";
    }

    private static Response hook(String token, String body) {
        return RestAssured.given().contentType("application/json").body(body).post("/hooks/railway/" + token);
    }

    /** A Railway deployment building under a lease another replica holds for the next hour. */
    private long followedElsewhere(String railwayId) {
        String name = uniqueName("rail");
        admin().body(Map.of("name", name, "provider", "railway", "target", Map.of("projectId", "prj-1",
                "environmentId", "env-1", "serviceId", "svc-1"))).post("/api/v1/projects").then().statusCode(201);
        long row = pool.preparedQuery("""
                insert into deployment (project_id, provider, environment, status, provider_deployment_id, attempts,
                    lease_owner, lease_epoch, lease_expires_at, started_at)
                select id, 'railway', 'production', 'BUILDING', $2, 1, 'replica-elsewhere', 1,
                    now() + interval '1 hour', now()
                from project where name = $1 returning id""").execute(Tuple.of(name, railwayId)).await()
                .atMost(Duration.ofSeconds(10)).iterator().next().getLong("id");
        rows.add(row);
        return row;
    }
}
