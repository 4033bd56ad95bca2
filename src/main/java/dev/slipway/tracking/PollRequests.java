package dev.slipway.tracking;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.slipway.deployment.DeploymentStatus;
import dev.slipway.platform.PgNotifications;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Asks whichever replica follows a deployment to poll it now. The request travels as a PostgreSQL notification,
 * since the webhook may arrive at any replica while only the lease holder tracks the deployment.
 */
@ApplicationScoped
public class PollRequests {

    /** The PostgreSQL channel poll requests travel on; the payload is the deployment's row id. */
    public static final String CHANNEL = "slipway_poll";

    private final Pool pool;
    private final Tracker tracker;
    private final PgNotifications notifications;

    public PollRequests(Pool pool, Tracker tracker, PgNotifications notifications) {
        this.pool = pool;
        this.tracker = tracker;
        this.notifications = notifications;
    }

    void onStart(@Observes StartupEvent event) {
        notifications.listen(CHANNEL, payload -> tracker.pollNow(Long.parseLong(payload)));
    }

    /**
     * Requests a poll of the unfinished deployment of {@code provider} known there as {@code providerDeploymentId}
     * or tagged with Slipway's {@code slipwayId}; answers whether there was one.
     */
    public Uni<Boolean> request(String provider, String providerDeploymentId, Long slipwayId) {
        return pool.preparedQuery("""
                select pg_notify($1, id::text) from deployment
                where provider = $2 and status in %s and (provider_deployment_id = $3 or id = $4)"""
                .formatted(DeploymentStatus.OPEN_SQL))
                .execute(Tuple.of(CHANNEL, provider, providerDeploymentId, slipwayId))
                .map(rows -> rows.size() > 0);
    }

    /**
     * The same for a provider whose webhooks may name only what was deployed: also the unfinished deployments
     * whose project's target has {@code targetField} set to {@code targetValue} (Render's service id).
     */
    public Uni<Boolean> requestByTarget(String provider, String providerDeploymentId, String targetField,
            String targetValue) {
        return pool.preparedQuery("""
                select pg_notify($1, d.id::text) from deployment d join project p on p.id = d.project_id
                where d.provider = $2 and d.status in %s
                  and (d.provider_deployment_id = $3 or p.target::jsonb ->> $4::text = $5::text)"""
                .formatted(DeploymentStatus.OPEN_SQL))
                .execute(Tuple.of(CHANNEL, provider, providerDeploymentId, targetField, targetValue))
                .map(rows -> rows.size() > 0);
    }
}
