package dev.slipway.deployment;

import java.net.URI;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

import org.jboss.resteasy.reactive.RestStreamElementType;

import dev.slipway.logs.LogEntry;
import dev.slipway.logs.LogFollower;
import dev.slipway.logs.LogStore;
import dev.slipway.platform.PageView;
import dev.slipway.platform.Validator;
import dev.slipway.project.Project;
import dev.slipway.security.Role;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** Deployments: viewers read them and their logs, deployers create, cancel and redeploy them. */
@Path("/api/v1/deployments")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RolesAllowed(Role.VIEWER_NAME)
public class DeploymentResource {

    private final DeploymentService deployments;
    private final LogStore logs;
    private final LogFollower follower;
    private final SecurityIdentity identity;

    public DeploymentResource(DeploymentService deployments, LogStore logs, LogFollower follower,
            SecurityIdentity identity) {
        this.deployments = deployments;
        this.logs = logs;
        this.follower = follower;
        this.identity = identity;
    }

    /** The answer of {@code GET .../logs}. */
    public record LogPage(List<LogEntry> items) {
    }

    @POST
    @RolesAllowed(Role.DEPLOYER_NAME)
    public Uni<Response> create(DeploymentService.Request body, @HeaderParam("Idempotency-Key") String key) {
        return deployments.create(Validator.body(body), key, identity).map(DeploymentResource::accepted);
    }

    @GET
    public Uni<PageView<DeploymentView>> list(@QueryParam("project") String project,
            @QueryParam("status") String status, @QueryParam("provider") String provider,
            @QueryParam("environment") String environment, @QueryParam("page") String page,
            @QueryParam("size") String size) {
        PageView.Request p = PageView.Request.of(page, size);
        return deployments.list(new DeploymentService.Filter(project, status, provider, environment), p.page(),
                p.size()).map(l -> new PageView<>(l.items().stream()
                        .map(d -> DeploymentView.of(d, l.projectNames().get(d.projectId))).toList(),
                        p.page(), p.size(), l.total()));
    }

    @GET
    @Path("/{id}")
    public Uni<DeploymentView> get(@PathParam("id") String id) {
        return deployments.get(id).chain(this::view);
    }

    @POST
    @Path("/{id}/cancel")
    @RolesAllowed(Role.DEPLOYER_NAME)
    public Uni<DeploymentView> cancel(@PathParam("id") String id) {
        return deployments.cancel(id, identity).chain(this::view);
    }

    @POST
    @Path("/{id}/redeploy")
    @RolesAllowed(Role.DEPLOYER_NAME)
    public Uni<Response> redeploy(@PathParam("id") String id) {
        return deployments.redeploy(id, identity).map(DeploymentResource::accepted);
    }

    @GET
    @Path("/{id}/logs")
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<LogPage> logs(@PathParam("id") String id, @QueryParam("after") String after,
            @QueryParam("limit") String limit) {
        long from = parseAfter(after);
        int max = parseLimit(limit);
        return deployments.get(id).chain(d -> logs.read(d.id, from, max)).map(LogPage::new);
    }

    /**
     * The same log as a live Server-Sent Events stream: stored lines after {@code after} (or the
     * {@code Last-Event-ID} a reconnecting browser sends), then live lines and status changes, then
     * {@code end}. Each log event's id is its seq. A client that cannot keep up gets a last {@code too-slow}
     * event whose id is the last seq it was sent, and the stream ends; reconnecting (as a browser does, with
     * that {@code Last-Event-ID}) continues exactly after it.
     */
    @GET
    @Path("/{id}/logs")
    @Produces("text/event-stream;qs=0.9")
    @ExistingDeployment
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<OutboundSseEvent> follow(@PathParam("id") String id, @QueryParam("after") String after,
            @HeaderParam("Last-Event-ID") String lastEventId, @jakarta.ws.rs.core.Context Sse sse) {
        long from = parseAfter(lastEventId != null && !lastEventId.isBlank() ? lastEventId : after);
        return follower.follow(DeploymentService.parse(id), from).map(m -> {
            OutboundSseEvent.Builder event = sse.newEventBuilder().name(m.type())
                    .mediaType(MediaType.APPLICATION_JSON_TYPE).data(m);
            if (m.seq() != null) {
                event.id(Long.toString(m.seq()));
            }
            return event.build();
        });
    }

    private Uni<DeploymentView> view(Deployment d) {
        return Panache.withSession(() -> Project.<Project>findById(d.projectId))
                .map(p -> DeploymentView.of(d, p == null ? null : p.name));
    }

    private static Response accepted(DeploymentService.Created c) {
        return Response.accepted(DeploymentView.of(c.deployment(), c.project()))
                .location(URI.create("/api/v1/deployments/" + c.deployment().publicId()))
                .header("Idempotent-Replayed", c.replayed() ? "true" : null)
                .build();
    }

    private static long parseAfter(String after) {
        return parseNumber(after, 0, "after", 0, Long.MAX_VALUE, "must be a log seq, 0 or more");
    }

    private static int parseLimit(String limit) {
        return (int) parseNumber(limit, 1000, "limit", 1, 10_000, "must be a whole number from 1 to 10000");
    }

    private static long parseNumber(String value, long fallback, String field, long min, long max, String rule) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        long n;
        try {
            n = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            n = min - 1;
        }
        new Validator().check(n >= min && n <= max, field, rule).throwIfInvalid();
        return n;
    }
}
