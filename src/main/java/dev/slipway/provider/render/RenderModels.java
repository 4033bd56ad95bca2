package dev.slipway.provider.render;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The parts of Render's JSON that Slipway reads or writes; unknown fields are ignored, Render adds them often. */
final class RenderModels {

    private RenderModels() {
    }

    /** The body of {@code POST /services/{serviceId}/deploys}; {@code commitId} only when Slipway got a commit. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record TriggerDeploy(String clearCache, String commitId) {
    }

    /** The body of {@code PUT /services/{serviceId}/env-vars/{envVarKey}}. */
    @RegisterForReflection
    record EnvVarValue(String value) {

        @Override
        public String toString() {
            // The value stays out of every log line and exception message.
            return "EnvVarValue[...]";
        }
    }

    /** A deploy. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Deploy(String id, String status, Instant createdAt, Instant finishedAt) {
    }

    /** One item of {@code GET /services/{serviceId}/deploys}. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record DeployItem(Deploy deploy, String cursor) {
    }

    /** The answer of {@code GET /services/{serviceId}}; only the public address is read. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Service(String id, ServiceDetails serviceDetails) {
    }

    /** A service's type-specific details; web services and static sites have a {@code url}, workers none. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record ServiceDetails(String url) {
    }

    /** The answer of {@code GET /logs}. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Logs(Boolean hasMore, Instant nextStartTime, List<Log> logs) {
    }

    /** One log line. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Log(String id, String message, Instant timestamp) {
    }
}
