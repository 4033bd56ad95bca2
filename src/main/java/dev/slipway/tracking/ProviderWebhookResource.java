package dev.slipway.tracking;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.slipway.provider.vercel.VercelProvider;
import dev.slipway.provider.vercel.VercelWebhooks;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * Webhooks from providers. They carry no API key; the provider's signature is the authentication. A verified
 * webhook only makes the deployment's tracker poll at once: the state still comes from the provider's API.
 */
@Path("/hooks")
@PermitAll
public class ProviderWebhookResource {

    private final VercelWebhooks vercel;
    private final PollRequests polls;

    public ProviderWebhookResource(VercelWebhooks vercel, PollRequests polls) {
        this.vercel = vercel;
        this.polls = polls;
    }

    /** Vercel's deployment events; one about a deployment Slipway does not follow is acknowledged and ignored. */
    @POST
    @Path("/vercel")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> vercel(@HeaderParam("x-vercel-signature") String signature, byte[] body) {
        return vercel.read(body, signature)
                .map(notice -> polls.request(VercelProvider.NAME, notice.providerDeploymentId(),
                        slipwayId(notice.slipwayId())).invoke(found -> Log.debugf("vercel webhook about %s: %s",
                                notice.providerDeploymentId(), found ? "polling now" : "not followed, ignored")))
                .orElse(Uni.createFrom().item(false))
                .map(found -> Response.noContent().build());
    }

    /** Slipway's public id {@code d-12} as the row id; anything else matches nothing. */
    private static Long slipwayId(String publicId) {
        if (publicId == null || !publicId.matches("d-[1-9][0-9]{0,17}")) {
            return null;
        }
        return Long.parseLong(publicId.substring(2));
    }
}
