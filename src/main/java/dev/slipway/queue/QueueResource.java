package dev.slipway.queue;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.slipway.platform.SlipwayConfig;
import dev.slipway.security.Role;
import io.smallrye.mutiny.Uni;

/** A summary of the queue across every replica. */
@Path("/api/v1/queue")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Role.VIEWER_NAME)
public class QueueResource {

    private final QueueStore store;
    private final SlipwayConfig config;

    public QueueResource(QueueStore store, SlipwayConfig config) {
        this.store = store;
        this.config = config;
    }

    /** How many deployments wait and run, against the global limit. */
    public record QueueView(long queued, long active, int maxActive) {
    }

    @GET
    public Uni<QueueView> summary() {
        return store.depth().map(d -> new QueueView(d[1], d[0], config.queue().maxActive()));
    }
}
