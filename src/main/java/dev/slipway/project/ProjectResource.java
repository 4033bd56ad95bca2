package dev.slipway.project;

import java.net.URI;
import java.time.Instant;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import com.fasterxml.jackson.databind.JsonNode;

import dev.slipway.platform.PageView;
import dev.slipway.platform.Validator;
import dev.slipway.security.Role;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Projects: everyone reads them, admins change them. */
@Path("/api/v1/projects")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RolesAllowed(Role.VIEWER_NAME)
public class ProjectResource {

    private final ProjectService projects;
    private final SecurityIdentity identity;

    public ProjectResource(ProjectService projects, SecurityIdentity identity) {
        this.projects = projects;
        this.identity = identity;
    }

    /** A project as the API shows it. */
    public record ProjectView(String name, String provider, JsonNode target, ProjectService.Repository repository,
            Instant createdAt, Instant updatedAt) {
    }

    @POST
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> create(ProjectService.Changes body) {
        return projects.create(Validator.body(body), identity).map(p -> Response
                .created(URI.create("/api/v1/projects/" + p.name)).entity(view(p)).build());
    }

    @GET
    public Uni<PageView<ProjectView>> list(@QueryParam("page") String page, @QueryParam("size") String size) {
        PageView.Request p = PageView.Request.of(page, size);
        return projects.page(p.page(), p.size()).chain(items -> projects.count().map(total -> new PageView<>(
                items.stream().map(this::view).toList(), p.page(), p.size(), total)));
    }

    @GET
    @Path("/{name}")
    public Uni<ProjectView> get(@PathParam("name") String name) {
        return projects.get(name).map(this::view);
    }

    @PATCH
    @Path("/{name}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<ProjectView> update(@PathParam("name") String name, ProjectService.Changes body) {
        return projects.update(name, Validator.body(body), identity).map(this::view);
    }

    @DELETE
    @Path("/{name}")
    @RolesAllowed(Role.ADMIN_NAME)
    public Uni<Response> delete(@PathParam("name") String name) {
        return projects.delete(name, identity).replaceWith(Response.noContent().build());
    }

    private ProjectView view(Project p) {
        ProjectService.Repository repo = p.repositoryUrl == null ? null
                : new ProjectService.Repository(p.repositoryUrl, p.repositoryBranch);
        return new ProjectView(p.name, p.provider, projects.target(p), repo, p.createdAt, p.updatedAt);
    }
}
