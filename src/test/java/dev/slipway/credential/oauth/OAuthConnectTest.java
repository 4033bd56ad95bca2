package dev.slipway.credential.oauth;

import static dev.slipway.support.Api.admin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.slipway.support.Plaintext;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.RestAssured;
import io.vertx.mutiny.sqlclient.Pool;

/** OAuth connect for Vercel and Railway against a local fake authorization server. */
@QuarkusTest
@TestProfile(OAuthConnectTest.FakeProviders.class)
class OAuthConnectTest {

    /** Points both providers' API and authorize URLs at {@link FakeAuthorizationServer}. */
    public static class FakeProviders implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeAuthorizationServer.class));
        }
    }

    @Inject
    Pool pool;

    @Inject
    TokenRefresher refresher;

    @Test
    void vercelConnectStoresTheTokenAndTheStateWorksOnce() {
        URI authorize = start("vercel");
        assertThat(authorize.toString()).startsWith(config("vercel.oauth.authorize-url"));
        Map<String, String> query = query(authorize);
        assertThat(query).containsEntry("client_id", "vercel-client").containsKey("state");
        assertThat(query.get("redirect_uri")).endsWith("/oauth/vercel/callback");

        String connected = RestAssured.given().get("/oauth/vercel/callback?code=" + FakeAuthorizationServer.VERCEL_CODE
                + "&state=" + query.get("state"))
                .then().statusCode(200)
                .body("name", equalTo("vercel")).body("source", equalTo("oauth"))
                .body("teamId", equalTo("team_fake")).body("tokenHint", equalTo("0001"))
                .extract().asString();
        assertThat(connected).doesNotContain(FakeAuthorizationServer.VERCEL_TOKEN);
        admin().get("/api/v1/credentials/vercel").then().statusCode(200).body("source", equalTo("oauth"));

        RestAssured.given().get("/oauth/vercel/callback?code=" + FakeAuthorizationServer.VERCEL_CODE + "&state="
                + query.get("state"))
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("already used"));
        RestAssured.given().get("/oauth/vercel/callback?code=x&state=made-up-state").then().statusCode(400)
                .contentType("application/problem+json");
        assertNoPlaintext(FakeAuthorizationServer.VERCEL_TOKEN, FakeAuthorizationServer.CLIENT_SECRET);
    }

    @Test
    void anExpiredStateIsRefusedAndNothingIsStored() {
        String state = query(start("railway")).get("state");
        pool.query("update oauth_state set expires_at = now() - interval '1 minute' where provider = 'railway'")
                .execute().await().atMost(Duration.ofSeconds(5));
        String before = admin().get("/api/v1/credentials").then().extract().asString();

        RestAssured.given().get("/oauth/railway/callback?code=rw-anything&state=" + state)
                .then().statusCode(400).contentType("application/problem+json")
                .body("detail", containsString("expired"));
        assertThat(admin().get("/api/v1/credentials").then().extract().asString()).isEqualTo(before);
    }

    @Test
    void aProviderErrorSaysWhatTheProviderAnsweredWithoutSecrets() {
        String state = query(start("vercel")).get("state");
        String before = admin().get("/api/v1/credentials").then().extract().asString();

        String problem = RestAssured.given().get("/oauth/vercel/callback?code=" + FakeAuthorizationServer.BAD_CODE
                + "&state=" + state)
                .then().statusCode(502).contentType("application/problem+json")
                .body("detail", containsString("answered 400"))
                .body("detail", containsString("invalid_grant"))
                .body("detail", containsString("is invalid or expired"))
                .extract().asString();
        assertThat(problem).doesNotContain(FakeAuthorizationServer.BAD_CODE)
                .doesNotContain(FakeAuthorizationServer.CLIENT_SECRET);
        assertThat(admin().get("/api/v1/credentials").then().extract().asString()).isEqualTo(before);
    }

    @Test
    void railwayConnectUsesPkceAndRefreshesTheTokenBeforeItExpires() {
        Map<String, String> query = query(start("railway"));
        assertThat(query).containsEntry("code_challenge_method", "S256").containsEntry("response_type", "code")
                .containsKey("code_challenge");
        assertThat(query.get("scope")).contains("offline_access");

        RestAssured.given().get("/oauth/railway/callback?code=rw-" + query.get("code_challenge") + "&state="
                + query.get("state"))
                .then().statusCode(200).body("name", equalTo("railway")).body("tokenHint", equalTo("0001"))
                .body("expiresAt", notNullValue());

        // The fake's first token lives 60 s, inside the refresh window, so a pass refreshes it: this one, or
        // the scheduled one if it came first (the fake accepts each refresh token once, so never both).
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            refreshOnce();
            return "0002".equals(admin().get("/api/v1/credentials/railway").then().extract().path("tokenHint"));
        });
        admin().get("/api/v1/credentials/railway").then().body("source", equalTo("oauth"));
        assertThat(refreshOnce()).isZero();
        admin().get("/api/v1/audit?size=50").then().body("items.action",
                org.hamcrest.Matchers.hasItems("credential.oauth-connect", "credential.oauth-refresh"));

        assertNoPlaintext(FakeAuthorizationServer.RAILWAY_ACCESS_1, FakeAuthorizationServer.RAILWAY_REFRESH_1,
                FakeAuthorizationServer.RAILWAY_ACCESS_2, FakeAuthorizationServer.RAILWAY_REFRESH_2,
                FakeAuthorizationServer.CLIENT_SECRET);
    }

    @Test
    void startNeedsAnAdminAndAProviderWithOAuth() {
        RestAssured.given().redirects().follow(false).get("/oauth/vercel/start").then().statusCode(401);
        admin().redirects().follow(false).get("/oauth/render/start").then().statusCode(422)
                .contentType("application/problem+json");
        admin().redirects().follow(false).get("/oauth/heroku/start").then().statusCode(422);
        RestAssured.given().get("/oauth/vercel/callback?code=abc").then().statusCode(400)
                .contentType("application/problem+json");
    }

    /** One pass of the refresh job, on a Vert.x context as the scheduler runs it. */
    private int refreshOnce() {
        try {
            return VertxContextSupport.subscribeAndAwait(() -> refresher.refreshDue());
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private static URI start(String provider) {
        String location = admin().redirects().follow(false).get("/oauth/" + provider + "/start")
                .then().statusCode(303).header("Location", startsWith("http://127.0.0.1:"))
                .extract().header("Location");
        return URI.create(location);
    }

    private static Map<String, String> query(URI uri) {
        return Arrays.stream(uri.getRawQuery().split("&")).map(p -> p.split("=", 2))
                .collect(Collectors.toMap(p -> p[0], p -> URLDecoder.decode(p[1], StandardCharsets.UTF_8)));
    }

    private static String config(String key) {
        return org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("slipway.providers." + key, String.class);
    }

    private void assertNoPlaintext(String... values) {
        for (String value : values) {
            assertThat(Plaintext.tablesContaining(pool, value)).as("tables holding a plaintext secret").isEmpty();
        }
        assertThat(pool.query("select count(*) as n from oauth_state where code_verifier is not null "
                + "and code_verifier not like 'slw:%'").execute().await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong("n")).isZero();
    }
}
