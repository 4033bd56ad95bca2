package dev.slipway.credential;

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

/** Provider credentials, admins only. Tokens go in and never come out; lists show the last 4 characters. */
@Path("/api/v1/credentials")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RolesAllowed(Role.ADMIN_NAME)
public class CredentialResource {

    private final CredentialService credentials;
    private final SecurityIdentity identity;

    public CredentialResource(CredentialService credentials, SecurityIdentity identity) {
        this.credentials = credentials;
        this.identity = identity;
    }

    /** A credential as the API shows it: never the token. */
    public record CredentialView(String name, String provider, String teamId, String ownerId, String tokenHint,
            String source, Instant expiresAt, Instant createdAt, Instant updatedAt) {

        public static CredentialView of(Credential c) {
            return new CredentialView(c.name, c.provider, c.teamId, c.ownerId, c.tokenHint, c.source, c.expiresAt,
                    c.createdAt, c.updatedAt);
        }
    }

    /** The list answer. */
    public record CredentialList(List<CredentialView> items) {
    }

    @PUT
    @Path("/{name}")
    public Uni<Response> put(@PathParam("name") String name, CredentialService.Changes body) {
        return credentials.put(name, Validator.body(body), identity).map(saved -> {
            CredentialView view = CredentialView.of(saved.credential());
            return saved.created()
                    ? Response.created(URI.create("/api/v1/credentials/" + name)).entity(view).build()
                    : Response.ok(view).build();
        });
    }

    @GET
    public Uni<CredentialList> list() {
        return credentials.list().map(all -> new CredentialList(all.stream().map(CredentialView::of).toList()));
    }

    @GET
    @Path("/{name}")
    public Uni<CredentialView> get(@PathParam("name") String name) {
        return credentials.get(name).map(CredentialView::of);
    }

    @DELETE
    @Path("/{name}")
    public Uni<Response> delete(@PathParam("name") String name) {
        return credentials.delete(name, identity).replaceWith(Response.noContent().build());
    }
}
