package dev.slipway.platform;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.runtime.ShutdownEvent;

/** Stops the embedded PostgreSQL last, after the queue has handed its leases back. */
@ApplicationScoped
public class EmbeddedPostgresShutdown {

    void onStart(@Observes io.quarkus.runtime.StartupEvent event) {
        EmbeddedPostgres.applicationStarted();
    }

    void onStop(@Observes @Priority(Integer.MAX_VALUE) ShutdownEvent event) {
        EmbeddedPostgres.stop();
    }
}
