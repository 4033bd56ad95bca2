package dev.slipway.provider.railway;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The parts of Railway's GraphQL answers that Slipway reads, and its request. Unknown fields are ignored: Railway
 * adds to its schema, and {@code errors} is read from the tree before these records are.
 */
final class RailwayModels {

    private RailwayModels() {
    }

    /** One GraphQL request; user data travels only in {@code variables}, never inside {@code query}. */
    @RegisterForReflection
    record Request(String query, Map<String, Object> variables) {
    }

    /** The envelope of every answer: {@code {"data": {...}}}. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Answer<T>(T data) {
    }

    /** {@code serviceInstanceDeployV2}: the new deployment's id. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Triggered(String serviceInstanceDeployV2) {
    }

    /** {@code deployments(first:, input:)}, a Relay connection. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record DeploymentList(Connection deployments) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Connection(List<Edge> edges) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Edge(Deployment node) {
    }

    /** {@code deployment(id:)}. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record DeploymentAnswer(Deployment deployment) {
    }

    /** A deployment; {@code staticUrl} is its host name without a scheme. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Deployment(String id, String status, String staticUrl, String url, Instant createdAt) {
    }

    /** {@code buildLogs(...)}. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record BuildLogs(List<Log> buildLogs) {
    }

    /** {@code deploymentLogs(...)}. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record DeploymentLogs(List<Log> deploymentLogs) {
    }

    /** One log line; {@code timestamp} is RFC 3339 with nanoseconds. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Log(Instant timestamp, String message, String severity) {
    }

    /** {@code deploymentCancel(id:)}. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Cancelled(Boolean deploymentCancel) {
    }

    /** {@code variableCollectionUpsert(input:)}. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Upserted(Boolean variableCollectionUpsert) {
    }
}
