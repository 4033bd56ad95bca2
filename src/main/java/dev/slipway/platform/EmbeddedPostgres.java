package dev.slipway.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.jboss.logging.Logger;

/**
 * The process's one embedded PostgreSQL server, data kept under {@code <data-dir>/postgres}.
 *
 * <p>Started lazily from configuration lookups (which Quarkus may make from several threads), stopped by
 * {@link EmbeddedPostgresShutdown} after the application has finished its own shutdown work.
 */
public final class EmbeddedPostgres {

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgres.class);
    private static final String DATABASE = "postgres";
    static final String USER = "postgres";
    static final String USER_KEY = "quarkus.datasource.username";

    private static io.zonky.test.db.postgres.embedded.EmbeddedPostgres server;
    private static Map<String, String> settings;

    private EmbeddedPostgres() {
    }

    static synchronized Map<String, String> start(String dataDir) {
        if (settings != null) {
            return settings;
        }
        Path data = Path.of(dataDir).toAbsolutePath().normalize().resolve("postgres");
        try {
            Files.createDirectories(data);
            stopOrphan(data);
            server = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "100")
                    // The library's defaults trade durability for test speed; this is where data lives.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL in " + data, e);
        }
        int port = server.getPort();
        settings = Map.of(
                EmbeddedPostgresSourceFactory.REACTIVE_URL, "postgresql://localhost:" + port + "/" + DATABASE,
                EmbeddedPostgresSourceFactory.JDBC_URL, "jdbc:postgresql://localhost:" + port + "/" + DATABASE,
                USER_KEY, USER);
        LOG.infof("Started the embedded PostgreSQL on port %d with its data in %s", port, data);
        Runtime.getRuntime().addShutdownHook(new Thread(EmbeddedPostgres::stopAfterApplication,
                "slipway-embedded-postgres-stop"));
        return settings;
    }

    /**
     * A server left running by a process that was killed (SIGKILL skips every shutdown hook) still holds the
     * data directory; it has no clients any more, so it is asked to stop before a new one starts.
     */
    private static void stopOrphan(Path data) throws IOException {
        Path pidFile = data.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        String firstLine = Files.readAllLines(pidFile).stream().findFirst().orElse("").trim();
        long pid;
        try {
            pid = Long.parseLong(firstLine);
        } catch (NumberFormatException e) {
            return;
        }
        ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false))
                .ifPresent(orphan -> {
                    LOG.warnf("Stopping PostgreSQL %d left running by an earlier Slipway process", pid);
                    orphan.destroy();
                    try {
                        orphan.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (Exception e) {
                        orphan.destroyForcibly();
                    }
                });
    }

    /**
     * The JVM runs shutdown hooks concurrently, so this one waits for Quarkus to finish its own shutdown
     * (which stops the server through {@link EmbeddedPostgresShutdown}) and only then makes sure it stopped:
     * also when the application failed to start and no shutdown event ever came.
     */
    private static void stopAfterApplication() {
        try {
            STOPPED.await(applicationStarted ? 20 : 0, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stop();
    }

    private static final java.util.concurrent.CountDownLatch STOPPED = new java.util.concurrent.CountDownLatch(1);
    private static volatile boolean applicationStarted;

    /** Called once the application is up: from then on, shutdown hooks wait for its shutdown. */
    static void applicationStarted() {
        applicationStarted = true;
    }

    /** Whether this process started an embedded server. */
    public static synchronized boolean running() {
        return server != null;
    }

    /** Stops the embedded server if this process started one. */
    public static synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            server.close();
            LOG.info("Stopped the embedded PostgreSQL");
        } catch (IOException e) {
            LOG.warnf("The embedded PostgreSQL did not stop cleanly: %s", e.getMessage());
        } finally {
            server = null;
            settings = null;
            STOPPED.countDown();
        }
    }
}
