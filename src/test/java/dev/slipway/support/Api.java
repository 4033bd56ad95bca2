package dev.slipway.support;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.is;

import java.util.Map;
import java.util.UUID;

import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/** Shortcuts for API tests: authenticated requests and unique names, so tests never collide. */
public final class Api {

    /** The bootstrap admin key of the test profile ({@code %test.slipway.admin-token}). */
    public static final String ADMIN_KEY = "slw_test_admin_key_do_not_use_elsewhere";

    private Api() {
    }

    public static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON);
    }

    public static RequestSpecification admin() {
        return as(ADMIN_KEY);
    }

    /** A project name no other test uses. */
    public static String uniqueName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Creates an API key with {@code role} and answers the key itself. */
    public static String key(String role) {
        return admin().body(Map.of("name", uniqueName(role), "role", role)).post("/api/v1/api-keys")
                .then().statusCode(201).extract().path("key");
    }

    /** Creates a simulator project with the given target settings. */
    public static String simulatorProject(Map<String, Object> target) {
        String name = uniqueName("sim");
        admin().body(Map.of("name", name, "provider", "simulator", "target", target)).post("/api/v1/projects")
                .then().statusCode(201);
        return name;
    }

    /** Queues a deployment of {@code project} and answers its id. */
    public static String deploy(String project, Map<String, Object> extra) {
        var body = new java.util.HashMap<String, Object>(extra);
        body.put("project", project);
        return admin().body(body).post("/api/v1/deployments").then().statusCode(202).extract().path("id");
    }

    /** Cancels a deployment unless it has ended, so that it holds no capacity in the tests after. */
    public static void cancelIfOpen(String id) {
        admin().post("/api/v1/deployments/" + id + "/cancel").then()
                .statusCode(anyOf(is(200), is(409)));
    }
}
