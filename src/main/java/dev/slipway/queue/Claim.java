package dev.slipway.queue;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;

import dev.slipway.deployment.DeploymentStatus;

/**
 * A deployment this replica holds the lease of, with what tracking it needs. {@code epoch} fences every
 * write: once another replica takes the deployment over, writes naming this epoch change nothing.
 */
public record Claim(long id, long epoch, String provider, String project, JsonNode target, String repositoryUrl,
        String repositoryBranch, String ref, String environment, DeploymentStatus status,
        String providerDeploymentId, String logCursor, long logSeq, Instant startedAt, int attempts) {

    public String publicId() {
        return "d-" + id;
    }
}
