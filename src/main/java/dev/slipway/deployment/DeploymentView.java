package dev.slipway.deployment;

import java.time.Instant;

/** A deployment as the API shows it. */
public record DeploymentView(String id, String project, String provider, String environment, String ref,
        String priority, DeploymentStatus status, String statusReason, String providerDeploymentId, String url,
        int attempts, Instant createdAt, Instant startedAt, Instant finishedAt) {

    public static DeploymentView of(Deployment d, String project) {
        return new DeploymentView(d.publicId(), project, d.provider, d.environment, d.ref,
                Priority.ofLevel(d.priority).apiName(), d.status, d.statusReason, d.providerDeploymentId, d.url,
                d.attempts, d.createdAt, d.startedAt, d.finishedAt);
    }
}
