package dev.slipway.provider;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.slipway.security.Role;
import io.smallrye.mutiny.Uni;

/** The state of each provider: configured or not, its circuit breaker, its last error and its queue. */
@Path("/api/v1/providers")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Role.VIEWER_NAME)
public class ProviderResource {

    private final ProviderOverview overview;

    public ProviderResource(ProviderOverview overview) {
        this.overview = overview;
    }

    @GET
    public Uni<List<ProviderOverview.ProviderView>> list() {
        return overview.all();
    }
}
