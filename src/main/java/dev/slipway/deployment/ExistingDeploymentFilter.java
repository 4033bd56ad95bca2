package dev.slipway.deployment;

import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.slipway.platform.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** Answers 404 for a stream of a deployment that does not exist, before the stream starts. */
public class ExistingDeploymentFilter {

    private final Pool pool;

    public ExistingDeploymentFilter(Pool pool) {
        this.pool = pool;
    }

    @ServerRequestFilter
    @ExistingDeployment
    public Uni<Void> check(UriInfo uri) {
        String publicId = uri.getPathParameters().getFirst("id");
        long id = DeploymentService.parse(publicId);
        return pool.preparedQuery("select 1 from deployment where id = $1").execute(Tuple.of(id))
                .invoke(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("Deployment " + publicId);
                    }
                }).replaceWithVoid();
    }
}
