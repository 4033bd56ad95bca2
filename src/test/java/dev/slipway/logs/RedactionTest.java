package dev.slipway.logs;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.simulatorProject;
import static dev.slipway.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.slipway.support.Plaintext;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** A deployment's variables reach its provider, and its log and live streams show them redacted. */
@QuarkusTest
class RedactionTest {

    @Inject
    Pool pool;

    @Test
    void echoedVariablesAreRedactedInStoredLogsAndInTheLiveStream() {
        String token = "sim_token_" + UUID.randomUUID().toString().replace("-", "");
        String credential = uniqueName("sim-cred");
        admin().body(Map.of("provider", "simulator", "token", token)).put("/api/v1/credentials/" + credential)
                .then().statusCode(201);
        String project = simulatorProject(Map.of("buildSeconds", 1, "logLines", 3, "echoEnv", true,
                "credential", credential));
        String secret = "s3cr3t-" + UUID.randomUUID();
        String previewSecret = "preview-" + UUID.randomUUID();
        env(project, "API_SECRET", secret, List.of("production", "preview"));
        env(project, "LOG_LEVEL", "debug", List.of("production"));
        env(project, "PREVIEW_ONLY", previewSecret, List.of("preview"));
        env(project, "ECHO_TOKEN", "prefix " + token, List.of("production"));

        String id = deploy(project, Map.of("environment", "production"));
        String stream = admin().accept("text/event-stream").get("/api/v1/deployments/" + id + "/logs")
                .then().statusCode(200).extract().asString();
        List<String> stored = admin().get("/api/v1/deployments/" + id + "/logs").then().statusCode(200)
                .extract().jsonPath().getList("items.message", String.class);

        assertThat(stored).startsWith("API_SECRET=[redacted]", "ECHO_TOKEN=[redacted]", "LOG_LEVEL=debug");
        assertThat(stored).hasSize(6).noneMatch(line -> line.startsWith("PREVIEW_ONLY"));
        assertThat(stream).contains("API_SECRET=[redacted]").contains("LOG_LEVEL=debug").contains("event:end");
        admin().get("/api/v1/deployments/" + id).then().body("status", org.hamcrest.Matchers.equalTo("READY"));
        for (String plaintext : List.of(secret, token, previewSecret)) {
            assertThat(stream).doesNotContain(plaintext);
            assertThat(String.join("\n", stored)).doesNotContain(plaintext);
            assertThat(Plaintext.tablesContaining(pool, plaintext)).as("tables holding a plaintext secret").isEmpty();
        }
        String sealed = pool.preparedQuery("select env from simulator_deployment where slipway_deployment = $1")
                .execute(Tuple.of(Long.parseLong(id.substring(2)))).await().atMost(Duration.ofSeconds(5))
                .iterator().next().getString("env");
        assertThat(sealed).startsWith("slw:");
    }

    @Test
    void aTokenCopiedOntoAnotherCredentialDoesNotDecryptAndTheDeploymentSaysWhy() {
        String original = uniqueName("orig");
        String copy = uniqueName("copy");
        admin().body(Map.of("provider", "simulator", "token", "original-token-0001")).put("/api/v1/credentials/"
                + original).then().statusCode(201);
        admin().body(Map.of("provider", "simulator", "token", "other-token-0002")).put("/api/v1/credentials/" + copy)
                .then().statusCode(201);
        pool.preparedQuery("update credential set token = (select token from credential where name = $1) "
                + "where name = $2").execute(Tuple.of(original, copy)).await().atMost(Duration.ofSeconds(5));

        String project = simulatorProject(Map.of("buildSeconds", 0, "logLines", 1, "credential", copy));
        String id = deploy(project, Map.of());
        awaitStatus(id, "FAILED");
        admin().get("/api/v1/deployments/" + id).then()
                .body("statusReason", org.hamcrest.Matchers.containsString("failed authentication"));
    }

    @Test
    void aNamedCredentialThatDoesNotExistFailsTheDeploymentWithTheFix() {
        String project = simulatorProject(Map.of("buildSeconds", 0, "credential", "no-such-credential"));
        String id = deploy(project, Map.of());
        awaitStatus(id, "FAILED");
        admin().get("/api/v1/deployments/" + id).then().body("statusReason",
                org.hamcrest.Matchers.containsString("PUT /api/v1/credentials/no-such-credential"));
    }

    private static void env(String project, String key, String value, List<String> targets) {
        admin().body(Map.of("value", value, "targets", targets)).put("/api/v1/projects/" + project + "/env/" + key)
                .then().statusCode(201);
    }

    private static void awaitStatus(String id, String status) {
        await().atMost(Duration.ofSeconds(15)).until(() -> status.equals(
                admin().get("/api/v1/deployments/" + id).then().extract().path("status")));
    }
}
