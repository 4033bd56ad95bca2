package dev.slipway.project;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.as;
import static dev.slipway.support.Api.key;
import static dev.slipway.support.Api.simulatorProject;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.slipway.support.Plaintext;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;

@QuarkusTest
class EnvResourceTest {

    @Inject
    Pool pool;

    @Test
    void variablesAreSetListedWithoutValuesAndDeleted() {
        String project = simulatorProject(Map.of());
        String value = "postgres://app:" + java.util.UUID.randomUUID() + "@db/app";

        admin().body(Map.of("value", value)).put("/api/v1/projects/" + project + "/env/DATABASE_URL")
                .then().statusCode(201)
                .body("key", equalTo("DATABASE_URL"))
                .body("targets", equalTo(List.of("production", "preview")))
                .body("$", not(org.hamcrest.Matchers.hasKey("value")));
        admin().body(Map.of("value", value, "targets", List.of("preview")))
                .put("/api/v1/projects/" + project + "/env/DATABASE_URL")
                .then().statusCode(200).body("targets", equalTo(List.of("preview")));
        admin().body(Map.of("value", "1")).put("/api/v1/projects/" + project + "/env/_DEBUG")
                .then().statusCode(201);

        String list = as(key("viewer")).get("/api/v1/projects/" + project + "/env").then().statusCode(200)
                .body("items.key", equalTo(List.of("DATABASE_URL", "_DEBUG")))
                .body("items[0].targets", equalTo(List.of("preview")))
                .body("items[0].updatedAt", org.hamcrest.Matchers.notNullValue())
                .extract().asString();
        String audit = admin().get("/api/v1/audit?size=100").then().body("items.action", hasItem("env.put"))
                .extract().asString();
        assertThat(list + audit).doesNotContain(value);
        assertThat(Plaintext.tablesContaining(pool, value)).isEmpty();

        admin().delete("/api/v1/projects/" + project + "/env/DATABASE_URL").then().statusCode(204);
        admin().delete("/api/v1/projects/" + project + "/env/DATABASE_URL").then().statusCode(404)
                .contentType("application/problem+json");
        admin().get("/api/v1/projects/" + project + "/env").then().body("items.key", equalTo(List.of("_DEBUG")));
    }

    @Test
    void badKeysTargetsAndOversizedValuesAreRefused() {
        String project = simulatorProject(Map.of());
        String base = "/api/v1/projects/" + project + "/env/";

        admin().body(Map.of("value", "x")).put(base + "lower_case").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("key"))
                .body("detail", containsString("[A-Z_][A-Z0-9_]*"));
        admin().body(Map.of("value", "x")).put(base + "1ST").then().statusCode(400);
        admin().body(Map.of("value", "x", "targets", List.of("staging"))).put(base + "OK").then().statusCode(400)
                .body("errors[0].field", equalTo("targets"));
        admin().body(Map.of("value", "x", "targets", List.of())).put(base + "OK").then().statusCode(400);
        admin().body(Map.of("targets", List.of("preview"))).put(base + "OK").then().statusCode(400)
                .body("errors[0].field", equalTo("value"));

        admin().body(Map.of("value", "a".repeat(64 * 1024))).put(base + "BIG").then().statusCode(201);
        admin().body(Map.of("value", "a".repeat(64 * 1024 + 1))).put(base + "BIGGER").then().statusCode(413)
                .contentType("application/problem+json").body("status", equalTo(413))
                .body("detail", containsString("65536"));
        admin().body(Map.of("value", "x")).put("/api/v1/projects/no-such-project/env/OK").then().statusCode(404);
        as(key("deployer")).body(Map.of("value", "x")).put(base + "OK").then().statusCode(403);
        admin().get(base.substring(0, base.length() - 1)).then().body("items.key", equalTo(List.of("BIG")));
    }
}
