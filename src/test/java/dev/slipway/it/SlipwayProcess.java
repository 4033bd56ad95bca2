package dev.slipway.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/**
 * The packaged application ({@code target/quarkus-app/quarkus-run.jar}) run as a separate process, the way
 * an operator runs it, for tests of restarts, crashes and several replicas.
 */
final class SlipwayProcess implements AutoCloseable {

    static final String ADMIN_KEY = "slw_process_test_admin_key_0123456789";

    private final Process process;
    private final int port;
    private final Path log;

    private SlipwayProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * Starts the application with {@code env} on a free port and waits until it is ready. Datasource settings
     * inherited from the test run are removed unless {@code env} names them, so by default the process uses
     * its embedded PostgreSQL under {@code SLIPWAY_DATA_DIR}.
     */
    static SlipwayProcess start(Path workDir, String name, Map<String, String> env) throws IOException {
        int port = freePort();
        Path log = workDir.resolve(name + ".log");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-jar",
                Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath().toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("QUARKUS_DATASOURCE_"));
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        builder.environment().put("SLIPWAY_ADMIN_TOKEN", ADMIN_KEY);
        builder.environment().putAll(env);
        SlipwayProcess app = new SlipwayProcess(builder.start(), port, log);
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(app::ready);
        } catch (RuntimeException e) {
            app.process.destroyForcibly();
            throw new AssertionError("Slipway did not become ready; its log:\n" + app.output(), e);
        }
        return app;
    }

    private boolean ready() {
        if (!process.isAlive()) {
            throw new IllegalStateException("the process exited with " + process.exitValue());
        }
        try {
            return RestAssured.given().baseUri("http://localhost:" + port).get("/q/health/ready").statusCode() == 200;
        } catch (Exception e) {
            // RestAssured rethrows connection failures unchecked; the port simply is not open yet.
            return false;
        }
    }

    /** An authenticated admin request to this process. */
    RequestSpecification admin() {
        return RestAssured.given().baseUri("http://localhost:" + port).contentType(ContentType.JSON)
                .header("Authorization", "Bearer " + ADMIN_KEY);
    }

    /** The HTTP port the process listens on, for clients other than {@link #admin()} (WebSocket viewers). */
    int port() {
        return port;
    }

    /** SIGTERM, as Kubernetes and Compose stop a container; answers how long the process took to exit. */
    Duration stop() throws InterruptedException {
        long start = System.nanoTime();
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("Slipway did not stop within 30 s of SIGTERM; its log:\n" + output());
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** SIGKILL: the process gets no chance to clean up. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            stop();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
