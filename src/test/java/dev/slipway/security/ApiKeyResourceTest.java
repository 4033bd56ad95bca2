package dev.slipway.security;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.as;
import static dev.slipway.support.Api.key;
import static dev.slipway.support.Api.simulatorProject;
import static dev.slipway.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import jakarta.inject.Inject;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

@QuarkusTest
class ApiKeyResourceTest {

    /** Every secret this class generated, so no answer can be allowed to show one again. */
    private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();
    /** The newest audit entry before this class ran; older entries cannot hold its secrets. */
    private static Long auditBaseline;

    @Inject
    Pool pool;

    @BeforeEach
    void rememberWhereTheAuditLogStood() {
        if (auditBaseline != null) {
            return;
        }
        List<Number> ids = admin().get("/api/v1/audit?size=1").then().statusCode(200).extract().path("items.id");
        auditBaseline = ids.isEmpty() ? 0L : ids.get(0).longValue();
    }

    @Test
    void createAnswersTheKeyOnceAndListsNeverShowIt() {
        String name = uniqueName("ci bot");
        Response created = admin().body(Map.of("name", name, "role", "deployer")).post("/api/v1/api-keys");
        created.then().statusCode(201)
                .contentType("application/json")
                .body("id", notNullValue())
                .body("name", equalTo(name))
                .body("role", equalTo("deployer"))
                .body("key", startsWith("slw_"));
        String secret = remember(created.path("key"));
        String prefix = created.path("prefix");
        long id = created.<Number>path("id").longValue();
        assertThat(secret).startsWith(prefix).hasSizeGreaterThan(prefix.length() + 20);
        assertThat(created.header("Location")).endsWith("/api/v1/api-keys/" + id);

        Map<String, Object> listed = findKey(id);
        assertThat(listed).containsEntry("name", name).containsEntry("role", "deployer")
                .containsEntry("prefix", prefix).doesNotContainKey("key");
        for (Response page : keyPages()) {
            assertThat(page.asString()).doesNotContain(secret);
            assertThat(page.<List<Object>>path("items.key")).allMatch(k -> k == null);
        }

        // Two keys never share a secret.
        String another = remember(key("viewer"));
        assertThat(another).isNotEqualTo(secret);
    }

    @Test
    void aNewKeyAuthenticatesWithItsRole() {
        String viewer = remember(key("viewer"));
        String deployer = remember(key("deployer"));
        String admin = remember(key("admin"));
        String project = simulatorProject(Map.of("buildSeconds", 0));
        Map<String, Object> newProject = Map.of("name", uniqueName("keys"), "provider", "simulator");

        as(viewer).get("/api/v1/projects").then().statusCode(200);
        as(viewer).body(Map.of("project", project)).post("/api/v1/deployments").then().statusCode(403);
        as(viewer).body(newProject).post("/api/v1/projects").then().statusCode(403);

        as(deployer).get("/api/v1/projects").then().statusCode(200);
        as(deployer).body(Map.of("project", project)).post("/api/v1/deployments").then().statusCode(202);
        as(deployer).body(newProject).post("/api/v1/projects").then().statusCode(403);

        as(admin).body(newProject).post("/api/v1/projects").then().statusCode(201);
        remember(as(admin).body(Map.of("name", uniqueName("made by admin"), "role", "viewer"))
                .post("/api/v1/api-keys").then().statusCode(201).extract().path("key"));
    }

    @Test
    void revokedKeysStopWorkingAtOnce() {
        Response created = admin().body(Map.of("name", uniqueName("temp"), "role", "admin")).post("/api/v1/api-keys");
        created.then().statusCode(201);
        String secret = remember(created.path("key"));
        long id = created.<Number>path("id").longValue();
        as(secret).get("/api/v1/api-keys").then().statusCode(200);

        admin().delete("/api/v1/api-keys/" + id).then().statusCode(204);
        as(secret).get("/api/v1/projects").then().statusCode(401).contentType("application/problem+json");
        as(secret).get("/api/v1/api-keys").then().statusCode(401);
        for (Response page : keyPages()) {
            assertThat(page.<List<Number>>path("items.id")).noneMatch(n -> n.longValue() == id);
        }

        admin().delete("/api/v1/api-keys/" + id).then().statusCode(404).contentType("application/problem+json");
        admin().delete("/api/v1/api-keys/999999999").then().statusCode(404).contentType("application/problem+json");
        admin().delete("/api/v1/api-keys/not-a-number").then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void aKeyRevokedThroughAnotherReplicaStopsWorkingWithinTheCacheTime() {
        Response created = admin().body(Map.of("name", uniqueName("elsewhere"), "role", "viewer"))
                .post("/api/v1/api-keys");
        created.then().statusCode(201);
        String secret = remember(created.path("key"));
        long id = created.<Number>path("id").longValue();
        as(secret).get("/api/v1/projects").then().statusCode(200);

        // What another replica's revocation commits; this replica hears nothing of it.
        pool.preparedQuery("update api_key set revoked_at = now() where id = $1").execute(Tuple.of(id))
                .await().atMost(Duration.ofSeconds(10));

        // slipway.api-key-cache is 5 s by default: the key must stop working by then.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
                .until(() -> as(secret).get("/api/v1/projects").statusCode() == 401);
    }

    @Test
    void invalidKeyRequestsAreRefusedWithFieldErrors() {
        admin().body(Map.of("name", uniqueName("x"), "role", "superuser")).post("/api/v1/api-keys")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", containsInAnyOrder("role"));
        admin().body(Map.of("role", "viewer")).post("/api/v1/api-keys")
                .then().statusCode(400).body("errors.field", containsInAnyOrder("name"));
        admin().body(Map.of("name", "", "role", "viewer")).post("/api/v1/api-keys")
                .then().statusCode(400).body("errors.field", containsInAnyOrder("name"));
        admin().body(Map.of()).post("/api/v1/api-keys")
                .then().statusCode(400).body("errors.field", containsInAnyOrder("name", "role"));
        admin().body("{\"name\":").post("/api/v1/api-keys").then().statusCode(400)
                .contentType("application/problem+json");
        admin().post("/api/v1/api-keys").then().statusCode(400).contentType("application/problem+json");
        admin().get("/api/v1/api-keys?size=0").then().statusCode(400).body("errors.field", hasItem("size"));
    }

    @Test
    void onlyAdminsManageKeys() {
        long id = admin().body(Map.of("name", uniqueName("target"), "role", "viewer")).post("/api/v1/api-keys")
                .then().statusCode(201).extract().<Number>path("id").longValue();
        for (String role : List.of("deployer", "viewer")) {
            String secret = remember(key(role));
            as(secret).body(Map.of("name", uniqueName("x"), "role", "admin")).post("/api/v1/api-keys")
                    .then().statusCode(403).contentType("application/problem+json");
            as(secret).get("/api/v1/api-keys").then().statusCode(403).contentType("application/problem+json");
            as(secret).delete("/api/v1/api-keys/" + id).then().statusCode(403)
                    .contentType("application/problem+json");
        }
        RestAssured.given().get("/api/v1/api-keys").then().statusCode(401).contentType("application/problem+json");
        RestAssured.given().contentType("application/json").body(Map.of("name", "x", "role", "admin"))
                .post("/api/v1/api-keys").then().statusCode(401);
        RestAssured.given().delete("/api/v1/api-keys/" + id).then().statusCode(401);
        // The key the others tried to revoke still exists.
        assertThat(findKey(id)).isNotNull();
    }

    @Test
    void auditLogRecordsChangesWithoutSecrets() {
        String actorName = uniqueName("auditor");
        Response created = admin().body(Map.of("name", actorName, "role", "deployer")).post("/api/v1/api-keys");
        created.then().statusCode(201);
        String deployer = remember(created.path("key"));
        long keyId = created.<Number>path("id").longValue();
        String project = simulatorProject(Map.of("buildSeconds", 0));
        String deployment = as(deployer).body(Map.of("project", project)).post("/api/v1/deployments")
                .then().statusCode(202).extract().path("id");
        Response throwaway = admin().body(Map.of("name", uniqueName("throwaway"), "role", "admin"))
                .post("/api/v1/api-keys");
        remember(throwaway.then().statusCode(201).extract().path("key"));
        long throwawayId = throwaway.<Number>path("id").longValue();
        admin().delete("/api/v1/api-keys/" + throwawayId).then().statusCode(204);

        List<Map<String, Object>> entries = auditEntries();
        assertThat(entries).anySatisfy(e -> {
            assertThat(e).containsEntry("action", "api-key.create").containsEntry("target", "api-key/" + keyId);
            assertThat((String) e.get("actor")).startsWith("bootstrap admin");
            assertThat(e.get("at")).isNotNull();
        });
        assertThat(entries).anySatisfy(e -> {
            assertThat(e).containsEntry("action", "project.create").containsEntry("target", "project/" + project);
            assertThat((String) e.get("actor")).isNotBlank();
        });
        assertThat(entries).anySatisfy(e -> {
            assertThat(e).containsEntry("action", "deployment.create").containsEntry("target", deployment);
            assertThat((String) e.get("actor")).startsWith(actorName);
        });
        assertThat(entries).anySatisfy(e -> assertThat(e).containsEntry("action", "api-key.revoke")
                .containsEntry("target", "api-key/" + throwawayId));

        for (Response page : auditPages()) {
            for (String secret : SECRETS) {
                assertThat(page.asString()).doesNotContain(secret);
            }
            assertThat(page.asString()).doesNotContain(dev.slipway.support.Api.ADMIN_KEY);
        }
    }

    @Test
    void onlyAdminsReadTheAuditLog() {
        as(remember(key("viewer"))).get("/api/v1/audit").then().statusCode(403)
                .contentType("application/problem+json");
        as(remember(key("deployer"))).get("/api/v1/audit").then().statusCode(403);
        RestAssured.given().get("/api/v1/audit").then().statusCode(401);
        admin().get("/api/v1/audit?size=1").then().statusCode(200)
                .body("page", equalTo(0)).body("size", equalTo(1)).body("items.size()", equalTo(1));
        admin().get("/api/v1/audit?size=101").then().statusCode(400).body("errors.field", hasItem("size"));
        admin().get("/api/v1/audit").then().statusCode(200).contentType("application/json");
    }

    private static String remember(String secret) {
        SECRETS.add(secret);
        return secret;
    }

    private static List<Response> keyPages() {
        return pages("/api/v1/api-keys");
    }

    /** The audit log's pages (newest first) back to the first entry written while this class ran. */
    private static List<Response> auditPages() {
        List<Response> pages = new ArrayList<>();
        for (int page = 0; page < 1000; page++) {
            Response r = admin().get("/api/v1/audit?size=100&page=" + page);
            r.then().statusCode(200);
            pages.add(r);
            List<Number> ids = r.path("items.id");
            if (ids.size() < 100 || ids.get(ids.size() - 1).longValue() <= auditBaseline) {
                return pages;
            }
        }
        throw new AssertionError("too many pages of the audit log");
    }

    private static List<Response> pages(String path) {
        List<Response> pages = new ArrayList<>();
        for (int page = 0; page < 1000; page++) {
            Response r = admin().get(path + "?size=100&page=" + page);
            r.then().statusCode(200);
            pages.add(r);
            if (r.<List<Object>>path("items").size() < 100) {
                return pages;
            }
        }
        throw new AssertionError("too many pages of " + path);
    }

    private static Map<String, Object> findKey(long id) {
        for (Response page : keyPages()) {
            List<Map<String, Object>> items = page.path("items");
            for (Map<String, Object> item : items) {
                if (((Number) item.get("id")).longValue() == id) {
                    return item;
                }
            }
        }
        throw new AssertionError("API key " + id + " is not listed");
    }

    private static List<Map<String, Object>> auditEntries() {
        List<Map<String, Object>> entries = new ArrayList<>();
        for (Response page : auditPages()) {
            entries.addAll(page.<List<Map<String, Object>>>path("items"));
        }
        return entries;
    }
}
