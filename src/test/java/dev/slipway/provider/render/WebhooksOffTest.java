package dev.slipway.provider.render;

import static org.hamcrest.Matchers.containsString;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/** Without their secret, the webhook endpoints are off and say how to turn them on (this profile sets none). */
@QuarkusTest
@TestProfile(RenderProviderTest.WithFakeRender.class)
class WebhooksOffTest {

    @Test
    void eachWebhookEndpointIsNotFoundUntilItsSecretIsSet() {
        RestAssured.given().header("webhook-id", "msg_1").header("webhook-timestamp", "1").header(
                "webhook-signature", "v1,AAAA").body("{}").post("/hooks/render").then().statusCode(404)
                .contentType("application/problem+json")
                .body("detail", containsString("SLIPWAY_PROVIDERS_RENDER_WEBHOOK_SECRET"));
        RestAssured.given().body("{}").post("/hooks/railway/any-token").then().statusCode(404)
                .contentType("application/problem+json")
                .body("detail", containsString("SLIPWAY_PROVIDERS_RAILWAY_WEBHOOK_TOKEN"));
        RestAssured.given().header("x-vercel-signature", "00").body("{}").post("/hooks/vercel").then()
                .statusCode(404).body("detail", containsString("SLIPWAY_PROVIDERS_VERCEL_WEBHOOK_SECRET"));
    }
}
