package dev.slipway.security;

import java.time.Instant;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.slipway.platform.PageView;
import io.smallrye.mutiny.Uni;

/** The audit log, newest first; admins only. */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Role.ADMIN_NAME)
public class AuditResource {

    private final Audit audit;

    public AuditResource(Audit audit) {
        this.audit = audit;
    }

    /** One audit entry as the API shows it. */
    public record AuditView(long id, Instant at, String actor, String action, String target, String detail) {
    }

    @GET
    public Uni<PageView<AuditView>> list(@QueryParam("page") String page, @QueryParam("size") String size) {
        PageView.Request p = PageView.Request.of(page, size);
        return audit.page(p.page(), p.size()).chain(items -> audit.count().map(total -> new PageView<>(
                items.stream().map(e -> new AuditView(e.id, e.at, e.actor, e.action, e.target, e.detail)).toList(),
                p.page(), p.size(), total)));
    }
}
