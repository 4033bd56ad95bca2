package dev.slipway.crypto;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.as;
import static dev.slipway.support.Api.key;
import static dev.slipway.support.Api.simulatorProject;
import static dev.slipway.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import dev.slipway.credential.Credential;
import dev.slipway.project.EnvVar;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** Rotation through the API: values under an older key move to the first key, once. */
@QuarkusTest
class RotationResourceTest {

    @Inject
    Pool pool;

    @Inject
    Encryption encryption;

    @Test
    void rotationReencryptsValuesUnderOlderKeysAndIsSafeToRepeat() {
        // The test keyring is "test-a,test-b"; values sealed with test-b first are what an older key left.
        List<String> entries = List.of(ConfigProvider.getConfig().getValue("slipway.encryption-keys", String.class)
                .split(","));
        SecretBox older = new SecretBox(Keyring.parse(entries.get(1) + "," + entries.get(0)));

        String credential = uniqueName("rot");
        admin().body(Map.of("provider", "vercel", "token", "rotating-token-abcd")).put("/api/v1/credentials/"
                + credential).then().statusCode(201);
        String project = simulatorProject(Map.of());
        admin().body(Map.of("value", "rotating-value-1234")).put("/api/v1/projects/" + project + "/env/ROTATE_ME")
                .then().statusCode(201);
        long projectId = one("select id from project where name = $1", project).getLong("id");

        sql("update credential set token = $1 where name = $2",
                older.seal("rotating-token-abcd", Credential.tokenContext(credential)), credential);
        sql("update project_env set value = $1 where project_id = $2 and key = 'ROTATE_ME'",
                older.seal("rotating-value-1234", EnvVar.context(projectId, "ROTATE_ME")), projectId);

        rotate().body("primaryKey", org.hamcrest.Matchers.equalTo("test-a"))
                .body("reencrypted", org.hamcrest.Matchers.greaterThanOrEqualTo(2))
                .body("alreadyCurrent", org.hamcrest.Matchers.greaterThanOrEqualTo(0));

        String token = one("select token from credential where name = $1", credential).getString("token");
        String value = one("select value from project_env where project_id = $1", projectId).getString("value");
        assertThat(token).startsWith("slw:test-a:");
        assertThat(value).startsWith("slw:test-a:");
        assertThat(encryption.open(token, Credential.tokenContext(credential))).isEqualTo("rotating-token-abcd");
        assertThat(encryption.open(value, EnvVar.context(projectId, "ROTATE_ME"))).isEqualTo("rotating-value-1234");

        rotate().body("reencrypted", org.hamcrest.Matchers.equalTo(0))
                .body("alreadyCurrent", org.hamcrest.Matchers.greaterThanOrEqualTo(2));
        admin().get("/api/v1/audit?size=50").then().body("items.action", hasItem("encryption.rotate"));
        as(key("deployer")).post("/api/v1/admin/rotate-encryption").then().statusCode(403);
    }

    private static ValidatableResponse rotate() {
        return admin().post("/api/v1/admin/rotate-encryption").then().statusCode(200);
    }

    private void sql(String sql, Object a, Object b) {
        pool.preparedQuery(sql).execute(Tuple.of(a, b)).await().atMost(Duration.ofSeconds(5));
    }

    private Row one(String sql, Object arg) {
        return pool.preparedQuery(sql).execute(Tuple.of(arg)).await().atMost(Duration.ofSeconds(5)).iterator().next();
    }
}
