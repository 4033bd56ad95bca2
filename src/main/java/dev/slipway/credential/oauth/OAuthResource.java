package dev.slipway.credential.oauth;

import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import dev.slipway.credential.CredentialResource.CredentialView;
import dev.slipway.security.Role;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * OAuth connect. An admin starts it and is redirected to the provider; the provider sends the browser back
 * to the callback, which needs no API key (a browser redirect carries none) and is protected by the
 * single-use state instead.
 */
@Path("/oauth/{provider}")
@Produces(MediaType.APPLICATION_JSON)
public class OAuthResource {

    private final OAuthService oauth;
    private final SecurityIdentity identity;

    public OAuthResource(OAuthService oauth, SecurityIdentity identity) {
        this.oauth = oauth;
        this.identity = identity;
    }

    @GET
    @Path("/start")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> start(@PathParam("provider") String provider, @Context UriInfo uri) {
        return oauth.start(provider, uri.getBaseUri(), identity).map(to -> Response.seeOther(to).build());
    }

    @GET
    @Path("/callback")
    @PermitAll
    public Uni<CredentialView> callback(@PathParam("provider") String provider, @QueryParam("code") String code,
            @QueryParam("state") String state, @QueryParam("error") String error) {
        return oauth.callback(provider, code, state, error).map(CredentialView::of);
    }
}
