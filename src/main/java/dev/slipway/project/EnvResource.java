package dev.slipway.project;

import java.net.URI;
import java.time.Instant;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.slipway.platform.Validator;
import dev.slipway.security.Role;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * A project's environment variables. Viewers may list the keys (never the values); only admins set or
 * delete them, since a variable reaches production.
 */
@Path("/api/v1/projects/{name}/env")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RolesAllowed(Role.VIEWER_NAME)
public class EnvResource {

    private final EnvService env;
    private final SecurityIdentity identity;

    public EnvResource(EnvService env, SecurityIdentity identity) {
        this.env = env;
        this.identity = identity;
    }

    /** A variable as the API shows it: never its value. */
    public record EnvView(String key, List<String> targets, Instant createdAt, Instant updatedAt) {

        static EnvView of(EnvVar e) {
            return new EnvView(e.key, e.targets(), e.createdAt, e.updatedAt);
        }
    }

    /** The list answer. */
    public record EnvList(List<EnvView> items) {
    }

    @PUT
    @Path("/{key}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> put(@PathParam("name") String name, @PathParam("key") String key,
            EnvService.Changes body) {
        return env.put(name, key, Validator.body(body), identity).map(saved -> {
            EnvView view = EnvView.of(saved.variable());
            return saved.created()
                    ? Response.created(URI.create("/api/v1/projects/" + name + "/env/" + key)).entity(view).build()
                    : Response.ok(view).build();
        });
    }

    @GET
    public Uni<EnvList> list(@PathParam("name") String name) {
        return env.list(name).map(all -> new EnvList(all.stream().map(EnvView::of).toList()));
    }

    @DELETE
    @Path("/{key}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> delete(@PathParam("name") String name, @PathParam("key") String key) {
        return env.delete(name, key, identity).replaceWith(Response.noContent().build());
    }
}
