package dev.slipway.support;

import io.quarkus.test.common.QuarkusTestResource;

/** Registers {@link PostgresResource} once for every {@code @QuarkusTest} of the run. */
@QuarkusTestResource(PostgresResource.class)
public final class TestDatabase {

    private TestDatabase() {
    }
}
