package dev.slipway.platform;

import java.util.List;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;

/**
 * Supplies the datasource settings of the embedded PostgreSQL when no external database is configured.
 *
 * <p>Quarkus builds its configuration at build time too, and records what it sees there. This factory
 * therefore only hands out a lazy source: the server starts the first time the running application asks
 * for a datasource URL, never during the build, and once per process ({@link EmbeddedPostgres}). Tests
 * get their database from a test resource instead, so the factory stays out of the test profile.
 */
public class EmbeddedPostgresSourceFactory implements ConfigSourceFactory {

    static final String REACTIVE_URL = "quarkus.datasource.reactive.url";
    static final String JDBC_URL = "quarkus.datasource.jdbc.url";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        if (isSet(context.getValue(REACTIVE_URL)) || isSet(context.getValue(JDBC_URL))
                || context.getProfiles().contains("test")) {
            return List.of();
        }
        ConfigValue dataDir = context.getValue("slipway.data-dir");
        String dir = isSet(dataDir) ? dataDir.getValue() : "./.slipway";
        return List.of(new EmbeddedPostgresConfigSource(dir));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(100);
    }

    private static boolean isSet(ConfigValue value) {
        return value != null && value.getValue() != null && !value.getValue().isBlank();
    }
}
