package dev.slipway.project;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.as;
import static dev.slipway.support.Api.key;
import static dev.slipway.support.Api.uniqueName;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
class ProjectResourceTest {

    @Test
    void adminCreatesReadsUpdatesAndDeletesAProject() {
        String name = uniqueName("web");
        admin().body(Map.of("name", name, "provider", "simulator", "target", Map.of("buildSeconds", 1),
                "repository", Map.of("url", "https://github.com/acme/web", "branch", "main")))
                .post("/api/v1/projects")
                .then().statusCode(201)
                .header("Location", org.hamcrest.Matchers.endsWith("/api/v1/projects/" + name))
                .body("name", equalTo(name))
                .body("provider", equalTo("simulator"))
                .body("target.buildSeconds", equalTo(1))
                .body("repository.branch", equalTo("main"))
                .body("createdAt", org.hamcrest.Matchers.notNullValue());

        admin().get("/api/v1/projects/" + name).then().statusCode(200).body("repository.url",
                equalTo("https://github.com/acme/web"));
        admin().body(Map.of("target", Map.of("buildSeconds", 2, "outcome", "failed")))
                .patch("/api/v1/projects/" + name)
                .then().statusCode(200).body("target.outcome", equalTo("failed"));
        admin().get("/api/v1/projects?size=100").then().statusCode(200).body("items.name", hasItem(name));

        admin().delete("/api/v1/projects/" + name).then().statusCode(204);
        admin().get("/api/v1/projects/" + name).then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void invalidProjectsAreRefusedWithEveryFieldError() {
        admin().body(Map.of("name", "Not Valid!", "provider", "simulator",
                "target", Map.of("buildSeconds", -1, "outcome", "maybe")))
                .post("/api/v1/projects")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("errors.field", hasItem("name"));

        admin().body(Map.of("name", uniqueName("x"), "provider", "simulator",
                "target", Map.of("buildSeconds", -1, "outcome", "maybe")))
                .post("/api/v1/projects")
                .then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.containsInAnyOrder("target.buildSeconds",
                        "target.outcome"));

        admin().body(Map.of("name", uniqueName("x"), "provider", "vercel", "target", Map.of()))
                .post("/api/v1/projects")
                .then().statusCode(400).body("errors.field", hasItem("target.project"));
    }

    /**
     * Each provider's adapter checks its own target: every wrong field is named in one RFC 9457 answer, for a new
     * project and for a change to an existing one, and a refused change leaves the stored target as it was.
     */
    @Test
    void eachProvidersTargetIsCheckedFieldByFieldInOneProblem() {
        refusedTarget("vercel", Map.of("project", " ", "teamId", 7, "region", "iad1"),
                "target.project", "target.teamId", "target.region");
        refusedTarget("railway", Map.of("projectId", "prj-1", "serviceId", 5, "credential", "Not A Name"),
                "target.credential", "target.environmentId", "target.serviceId");
        refusedTarget("render", Map.of("ownerId", "", "plan", "free"),
                "target.serviceId", "target.ownerId", "target.plan");

        String name = uniqueName("x");
        admin().body(Map.of("name", name, "provider", "render", "target", Map.of("serviceId", "srv-abc")))
                .post("/api/v1/projects").then().statusCode(201);
        admin().body(Map.of("target", Map.of("serviceId", "srv-abc", "ownerId", 12))).patch("/api/v1/projects/" + name)
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", org.hamcrest.Matchers.contains("target.ownerId"));
        admin().get("/api/v1/projects/" + name).then().statusCode(200)
                .body("target", equalTo(Map.of("serviceId", "srv-abc")));
    }

    private static void refusedTarget(String provider, Map<String, Object> target, String... fields) {
        admin().body(Map.of("name", uniqueName("x"), "provider", provider, "target", target))
                .post("/api/v1/projects")
                .then().statusCode(400).contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("errors.field", org.hamcrest.Matchers.containsInAnyOrder(fields))
                .body("errors.message", org.hamcrest.Matchers.everyItem(org.hamcrest.Matchers.not(
                        org.hamcrest.Matchers.emptyOrNullString())));
    }

    @Test
    void unknownProviderIsUnprocessable() {
        admin().body(Map.of("name", uniqueName("x"), "provider", "heroku")).post("/api/v1/projects")
                .then().statusCode(422).contentType("application/problem+json");
    }

    @Test
    void duplicateNameConflicts() {
        String name = uniqueName("dup");
        admin().body(Map.of("name", name, "provider", "simulator")).post("/api/v1/projects").then().statusCode(201);
        admin().body(Map.of("name", name, "provider", "simulator")).post("/api/v1/projects")
                .then().statusCode(409).contentType("application/problem+json");
    }

    @Test
    void malformedJsonUnknownFieldsAndWrongMediaTypeAreProblems() {
        admin().body("{\"name\":").post("/api/v1/projects").then().statusCode(400)
                .contentType("application/problem+json").body("title", equalTo("Malformed request body"));
        admin().body(Map.of("name", uniqueName("x"), "provider", "simulator", "colour", "red"))
                .post("/api/v1/projects").then().statusCode(400).body("errors[0].field", equalTo("colour"));
        admin().contentType("text/plain").body("hello").post("/api/v1/projects").then().statusCode(415)
                .contentType("application/problem+json");
    }

    @Test
    void providerCannotChangeAfterCreation() {
        String name = uniqueName("fixed");
        admin().body(Map.of("name", name, "provider", "simulator")).post("/api/v1/projects").then().statusCode(201);
        admin().body(Map.of("provider", "render")).patch("/api/v1/projects/" + name)
                .then().statusCode(400).body("errors[0].field", equalTo("provider"));
    }

    @Test
    void pagingIsValidated() {
        admin().get("/api/v1/projects?size=0").then().statusCode(400).body("errors[0].field", equalTo("size"));
        admin().get("/api/v1/projects?size=101").then().statusCode(400);
        admin().get("/api/v1/projects?page=-1").then().statusCode(400).body("errors[0].field", equalTo("page"));
        admin().get("/api/v1/projects?page=abc").then().statusCode(400);
        admin().get("/api/v1/projects?page=0&size=1").then().statusCode(200)
                .body("page", equalTo(0)).body("size", equalTo(1)).body("items.size()", org.hamcrest.Matchers.lessThanOrEqualTo(1));
    }

    @Test
    void rolesLimitWhoMayChangeProjects() {
        String viewer = key("viewer");
        String deployer = key("deployer");
        Map<String, Object> body = Map.of("name", uniqueName("x"), "provider", "simulator");
        as(viewer).body(body).post("/api/v1/projects").then().statusCode(403).contentType("application/problem+json");
        as(deployer).body(body).post("/api/v1/projects").then().statusCode(403);
        as(viewer).get("/api/v1/projects").then().statusCode(200);
        io.restassured.RestAssured.given().get("/api/v1/projects").then().statusCode(401)
                .header("WWW-Authenticate", "Bearer").contentType("application/problem+json");
        as("slw_not_a_real_key_at_all").get("/api/v1/projects").then().statusCode(401);
    }
}
