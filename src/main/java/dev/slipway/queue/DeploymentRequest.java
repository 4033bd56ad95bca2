package dev.slipway.queue;

/**
 * The message on the {@code deployment-requests} channel: a deployment was queued. It only wakes the
 * dispatcher; the database row is the record, so a lost or repeated message changes nothing.
 */
public record DeploymentRequest(long deploymentId, int priority) {
}
