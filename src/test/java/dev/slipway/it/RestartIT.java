package dev.slipway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping and starting Slipway with its embedded PostgreSQL keeps everything: queued deployments still run,
 * a deployment that was building is followed to its end, and projects, deployments and logs remain.
 */
class RestartIT {

    @TempDir
    Path workDir;

    @Test
    void queuedAndRunningDeploymentsSurviveRestarts() throws Exception {
        String queued;
        // First run: nothing may start, so the deployment is still QUEUED when the process stops.
        try (SlipwayProcess first = SlipwayProcess.start(workDir, "first", Map.of("SLIPWAY_QUEUE_MAX_ACTIVE", "0"))) {
            first.admin().body(Map.of("name", "web-app", "provider", "simulator",
                    "target", Map.of("buildSeconds", 1, "logLines", 5, "echoEnv", true))).post("/api/v1/projects")
                    .then().statusCode(201);
            // Encrypted with the key generated into the data directory; decrypted after the restarts.
            first.admin().body(Map.of("value", "restart-secret-value")).put("/api/v1/projects/web-app/env/API_SECRET")
                    .then().statusCode(201);
            queued = first.admin().body(Map.of("project", "web-app")).post("/api/v1/deployments")
                    .then().statusCode(202).extract().path("id");
            Duration stopped = first.stop();
            assertThat(stopped).isLessThan(Duration.ofSeconds(10));
            assertThat(first.output()).contains("Stopped the embedded PostgreSQL")
                    .contains("an encryption key was generated into").doesNotContain("restart-secret-value");
            Path keyFile = workDir.resolve(".slipway/encryption-keys");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                    java.nio.file.Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        }

        String running;
        try (SlipwayProcess second = SlipwayProcess.start(workDir, "second", Map.of())) {
            awaitStatus(second, queued, "READY");
            assertThat(seqs(second, queued)).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
            second.admin().get("/api/v1/deployments/" + queued + "/logs").then()
                    .body("items[0].message", org.hamcrest.Matchers.equalTo("API_SECRET=[redacted]"));
            assertThat(second.output()).doesNotContain("an encryption key was generated");

            second.admin().body(Map.of("name", "slow-app", "provider", "simulator",
                    "target", Map.of("buildSeconds", 8, "logLines", 40))).post("/api/v1/projects")
                    .then().statusCode(201);
            running = second.admin().body(Map.of("project", "slow-app")).post("/api/v1/deployments")
                    .then().statusCode(202).extract().path("id");
            await().atMost(Duration.ofSeconds(20)).until(() -> seqs(second, running).size() >= 3);
            assertThat(second.stop()).as("exits within 10 s of SIGTERM while holding a lease")
                    .isLessThan(Duration.ofSeconds(10));
            assertThat(second.output()).contains("Handed 1 deployment lease(s) back");
        }

        try (SlipwayProcess third = SlipwayProcess.start(workDir, "third", Map.of())) {
            awaitStatus(third, running, "READY");
            // Followed on after the restart: every line once, in order, and no extra attempt counted.
            assertThat(seqs(third, running)).containsExactlyElementsOf(LongStream.rangeClosed(1, 40).boxed().toList());
            third.admin().get("/api/v1/deployments/" + running).then().body("attempts", org.hamcrest.Matchers.equalTo(1));
            third.admin().get("/api/v1/deployments/" + queued).then().body("status", org.hamcrest.Matchers.equalTo("READY"));
            third.admin().get("/api/v1/projects/web-app").then().statusCode(200);
        }
    }

    private static void awaitStatus(SlipwayProcess app, String id, String status) {
        await().atMost(Duration.ofSeconds(40)).until(() -> status.equals(
                app.admin().get("/api/v1/deployments/" + id).then().extract().path("status")));
    }

    private static List<Long> seqs(SlipwayProcess app, String id) {
        return app.admin().get("/api/v1/deployments/" + id + "/logs?limit=1000").then().statusCode(200)
                .extract().jsonPath().getList("items.seq", Long.class);
    }
}
