package dev.slipway.credential;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.as;
import static dev.slipway.support.Api.key;
import static dev.slipway.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.slipway.support.Plaintext;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;

@QuarkusTest
class CredentialResourceTest {

    @Inject
    Pool pool;

    @Test
    void tokensGoInButNeverComeOut() {
        String name = uniqueName("acme-vercel");
        String token = "vercel_tok_" + uniqueName("x").replace("-", "") + "WXYZ";

        String created = admin().body(Map.of("provider", "vercel", "token", token, "teamId", "team_1"))
                .put("/api/v1/credentials/" + name)
                .then().statusCode(201)
                .header("Location", org.hamcrest.Matchers.endsWith("/api/v1/credentials/" + name))
                .body("name", equalTo(name))
                .body("provider", equalTo("vercel"))
                .body("teamId", equalTo("team_1"))
                .body("tokenHint", equalTo("WXYZ"))
                .body("source", equalTo("api"))
                .body("createdAt", notNullValue())
                .extract().asString();
        assertThat(created).doesNotContain(token);

        String list = admin().get("/api/v1/credentials").then().statusCode(200)
                .body("items.name", hasItem(name)).extract().asString();
        String one = admin().get("/api/v1/credentials/" + name).then().statusCode(200)
                .body("tokenHint", equalTo("WXYZ")).body("ownerId", equalTo(null)).extract().asString();
        String audit = admin().get("/api/v1/audit?size=100").then().statusCode(200)
                .body("items.action", hasItem("credential.put")).extract().asString();
        assertThat(list + one + audit).doesNotContain(token);

        String replacement = "vercel_tok_replacement_" + uniqueName("y").replace("-", "") + "1234";
        admin().body(Map.of("provider", "vercel", "token", replacement)).put("/api/v1/credentials/" + name)
                .then().statusCode(200).body("tokenHint", equalTo("1234")).body("teamId", equalTo(null));

        assertThat(Plaintext.tablesContaining(pool, token)).isEmpty();
        assertThat(Plaintext.tablesContaining(pool, replacement)).isEmpty();

        admin().delete("/api/v1/credentials/" + name).then().statusCode(204);
        admin().get("/api/v1/credentials/" + name).then().statusCode(404).contentType("application/problem+json");
        admin().delete("/api/v1/credentials/" + name).then().statusCode(404);
        admin().get("/api/v1/audit?size=100").then().body("items.action", hasItem("credential.delete"));
    }

    @Test
    void badCredentialsAreRefusedPrecisely() {
        String name = uniqueName("cred");
        admin().body(Map.of("provider", "vercel", "token", "")).put("/api/v1/credentials/" + name)
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", hasItem("token"));
        admin().body(Map.of("provider", "heroku", "token", "abcdefghijkl")).put("/api/v1/credentials/" + name)
                .then().statusCode(422).contentType("application/problem+json");
        admin().body(Map.of("provider", "vercel", "token", "abcdefghijkl")).put("/api/v1/credentials/Bad_Name")
                .then().statusCode(400).body("errors.field", hasItem("name"));
        admin().body(Map.of("token", "abcdefghijkl")).put("/api/v1/credentials/" + name)
                .then().statusCode(400).body("errors.field", hasItem("provider"));
        admin().get("/api/v1/credentials").then().body("items.name", not(hasItem(name)));
    }

    @Test
    void onlyAdminsSeeOrChangeCredentials() {
        String deployer = key("deployer");
        as(deployer).get("/api/v1/credentials").then().statusCode(403).contentType("application/problem+json");
        as(deployer).body(Map.of("provider", "vercel", "token", "abcdefghijklmnop"))
                .put("/api/v1/credentials/" + uniqueName("c")).then().statusCode(403);
    }
}
