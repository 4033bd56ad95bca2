package dev.slipway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The one PostgreSQL of the test run. When {@code QUARKUS_DATASOURCE_REACTIVE_URL} is set (as {@code .ci/run}
 * does when the machine has a server), the tests use that server and this resource starts nothing;
 * otherwise it starts an embedded PostgreSQL in a temporary directory and removes it afterwards.
 */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {

    private EmbeddedPostgres embedded;
    private Path dataDir;

    @Override
    public Map<String, String> start() {
        if (System.getenv("QUARKUS_DATASOURCE_REACTIVE_URL") != null) {
            return Map.of();
        }
        try {
            dataDir = Files.createTempDirectory("slipway-test-pg");
            embedded = EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(true)
                    .setServerConfig("max_connections", "200").start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int port = embedded.getPort();
        return Map.of(
                "quarkus.datasource.reactive.url", "postgresql://localhost:" + port + "/postgres",
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://localhost:" + port + "/postgres",
                "quarkus.datasource.username", "postgres");
    }

    @Override
    public void stop() {
        if (embedded != null) {
            try {
                embedded.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
