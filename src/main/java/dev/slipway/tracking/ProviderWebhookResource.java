package dev.slipway.tracking;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.slipway.provider.railway.RailwayWebhooks;
import dev.slipway.provider.render.RenderProvider;
import dev.slipway.provider.render.RenderWebhooks;
import dev.slipway.provider.vercel.VercelProvider;
import dev.slipway.provider.vercel.VercelWebhooks;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * Webhooks from providers. They carry no API key; the provider's signature is the authentication. A verified
 * webhook only makes the deployment's tracker poll at once: the state still comes from the provider's API. Each
 * one does so once ({@link WebhookReceipts}): a replayed or late one is acknowledged and ignored.
 */
@Path("/hooks")
@PermitAll
public class ProviderWebhookResource {

    /** Railway names its deployments' provider this way; the adapter's constant lives with the adapter. */
    private static final String RAILWAY = "railway";

    private final VercelWebhooks vercel;
    private final RenderWebhooks render;
    private final RailwayWebhooks railway;
    private final WebhookReceipts receipts;
    private final PollRequests polls;

    public ProviderWebhookResource(VercelWebhooks vercel, RenderWebhooks render, RailwayWebhooks railway,
            WebhookReceipts receipts, PollRequests polls) {
        this.vercel = vercel;
        this.render = render;
        this.railway = railway;
        this.receipts = receipts;
        this.polls = polls;
    }

    /** Vercel's deployment events; one about a deployment Slipway does not follow is acknowledged and ignored. */
    @POST
    @Path("/vercel")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> vercel(@HeaderParam("x-vercel-signature") String signature, byte[] body) {
        return vercel.read(body, signature)
                .map(notice -> receipts.once(VercelProvider.NAME, notice.eventId(), notice.createdAt(),
                        () -> polls.request(VercelProvider.NAME, notice.providerDeploymentId(),
                                slipwayId(notice.slipwayId())).invoke(found -> logPoll(VercelProvider.NAME,
                                        notice.providerDeploymentId(), found))))
                .orElse(Uni.createFrom().item(false))
                .map(found -> Response.noContent().build());
    }

    /**
     * Render's webhooks (Standard Webhooks). Render's events name the service, so every unfinished deployment of
     * that service is polled, and the deploy when the event names one.
     */
    @POST
    @Path("/render")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> render(@HeaderParam("webhook-id") String id,
            @HeaderParam("webhook-timestamp") String timestamp, @HeaderParam("webhook-signature") String signature,
            byte[] body) {
        return render.read(id, timestamp, signature, body)
                .map(notice -> receipts.once(RenderProvider.NAME, notice.webhookId(), notice.sentAt(),
                        () -> polls.requestByTarget(RenderProvider.NAME, notice.deployId(), "serviceId",
                                notice.serviceId()).invoke(found -> logPoll(RenderProvider.NAME,
                                        notice.serviceId(), found))))
                .orElse(Uni.createFrom().item(false))
                .map(found -> Response.noContent().build());
    }

    /**
     * Railway's webhooks, on a URL holding the token since Railway signs nothing. One without a readable
     * timestamp, or sent more than {@link WebhookReceipts#TOLERANCE} ago, is acknowledged and ignored rather than
     * refused: Railway may deliver late, and the deployment is polled on its own schedule anyway, while an old
     * webhook is what someone replaying a captured request would send.
     */
    @POST
    @Path("/railway/{token}")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> railway(@PathParam("token") String token, byte[] body) {
        return railway.read(token, body)
                .map(notice -> notice.sentAt() == null ? Uni.createFrom().item(false)
                        : receipts.once(RAILWAY, notice.receipt(), notice.sentAt(),
                                () -> polls.request(RAILWAY, notice.deploymentId(), null)
                                        .invoke(found -> logPoll(RAILWAY, notice.deploymentId(), found))))
                .orElse(Uni.createFrom().item(false))
                .map(found -> Response.noContent().build());
    }

    private static void logPoll(String provider, String about, boolean found) {
        Log.debugf("%s webhook about %s: %s", provider, about, found ? "polling now" : "not followed, ignored");
    }

    /** Slipway's public id {@code d-12} as the row id; anything else matches nothing. */
    private static Long slipwayId(String publicId) {
        if (publicId == null || !publicId.matches("d-[1-9][0-9]{0,17}")) {
            return null;
        }
        return Long.parseLong(publicId.substring(2));
    }
}
