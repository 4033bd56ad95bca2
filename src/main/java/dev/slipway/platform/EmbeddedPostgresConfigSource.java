package dev.slipway.platform;

import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.quarkus.runtime.ExecutionMode;

/**
 * A low-ordinal source whose datasource values start the embedded PostgreSQL on first use at run time.
 * Any value set elsewhere (environment, {@code application.properties}) wins over it.
 */
final class EmbeddedPostgresConfigSource implements ConfigSource {

    private static final Set<String> URLS = Set.of(EmbeddedPostgresSourceFactory.REACTIVE_URL,
            EmbeddedPostgresSourceFactory.JDBC_URL);

    private static final Set<String> NAMES = Set.of(EmbeddedPostgresSourceFactory.REACTIVE_URL,
            EmbeddedPostgresSourceFactory.JDBC_URL, EmbeddedPostgres.USER_KEY);

    private final String dataDir;

    EmbeddedPostgresConfigSource(String dataDir) {
        this.dataDir = dataDir;
    }

    @Override
    public Set<String> getPropertyNames() {
        // Listing no names at build time keeps the build from recording a value; at run time Quarkus finds
        // the datasource settings by name.
        return atRunTime() ? NAMES : Set.of();
    }

    @Override
    public String getValue(String propertyName) {
        // The credentials are fixed, so they need no server; Quarkus may read them before the URLs.
        if (EmbeddedPostgres.USER_KEY.equals(propertyName)) {
            return EmbeddedPostgres.USER;
        }
        if (!URLS.contains(propertyName) || !atRunTime()) {
            return null;
        }
        Map<String, String> settings = EmbeddedPostgres.start(dataDir);
        return settings.get(propertyName);
    }

    private static boolean atRunTime() {
        ExecutionMode mode = ExecutionMode.current();
        return mode == ExecutionMode.RUNTIME_INIT || mode == ExecutionMode.RUNNING;
    }

    @Override
    public int getOrdinal() {
        // Below application.properties (250), so any explicit setting is used instead.
        return 120;
    }

    @Override
    public String getName() {
        return "slipway-embedded-postgres";
    }
}
