package dev.slipway.security;

import java.net.URI;
import java.time.Instant;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.slipway.platform.PageView;
import dev.slipway.platform.ProblemException;
import dev.slipway.platform.Validator;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** API keys: admins create, list and revoke them. */
@Path("/api/v1/api-keys")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RolesAllowed(Role.ADMIN_NAME)
public class ApiKeyResource {

    private final ApiKeyService keys;
    private final SecurityIdentity identity;

    public ApiKeyResource(ApiKeyService keys, SecurityIdentity identity) {
        this.keys = keys;
        this.identity = identity;
    }

    /** Request body of {@code POST /api-keys}. */
    public record CreateRequest(String name, String role) {
    }

    /** An API key as listed: never the key itself. */
    public record ApiKeyView(long id, String name, String role, String prefix, Instant createdAt) {
        static ApiKeyView of(ApiKey k) {
            return new ApiKeyView(k.id, k.name, k.role, k.prefix, k.createdAt);
        }
    }

    /** The answer to a create: the only time {@code key} is shown. */
    public record CreatedView(long id, String name, String role, String prefix, String key) {
    }

    @POST
    public Uni<Response> create(CreateRequest request) {
        Validator.body(request);
        return keys.create(request.name(), request.role(), identity)
                .map(c -> Response.created(URI.create("/api/v1/api-keys/" + c.key().id))
                        .entity(new CreatedView(c.key().id, c.key().name, c.key().role, c.key().prefix, c.secret()))
                        .build());
    }

    @GET
    public Uni<PageView<ApiKeyView>> list(@QueryParam("page") String page, @QueryParam("size") String size) {
        PageView.Request p = PageView.Request.of(page, size);
        return keys.page(p.page(), p.size())
                .chain(items -> keys.count().map(total -> new PageView<>(
                        items.stream().map(ApiKeyView::of).toList(), p.page(), p.size(), total)));
    }

    @DELETE
    @Path("/{id}")
    public Uni<Response> revoke(@PathParam("id") String id) {
        long keyId;
        try {
            keyId = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw ProblemException.notFound("API key " + id);
        }
        return keys.revoke(keyId, identity).replaceWith(Response.noContent().build());
    }
}
