package dev.slipway.provider.vercel;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The parts of Vercel's JSON that Slipway reads or writes, in Vercel's own field names. Unknown fields are
 * ignored on purpose: Vercel adds fields often, and the application's strict JSON setting is meant for Slipway's
 * own API.
 */
final class VercelModels {

    private VercelModels() {
    }

    /** The body of {@code POST /v13/deployments}; a null {@code target} means a preview deployment. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record CreateDeployment(String name, String project, String target, GitSource gitSource,
            Map<String, String> meta) {
    }

    /**
     * The body of {@code POST /v10/projects/{idOrName}/env}: one variable for the given targets
     * ({@code production}, {@code preview}).
     */
    @RegisterForReflection
    record EnvVar(String key, String value, String type, List<String> target) {

        @Override
        public String toString() {
            // The value stays out of every log line and exception message.
            return "EnvVar[" + key + "]";
        }
    }

    /** A GitHub source: {@code org/repo} at {@code ref}, pinned to {@code sha} when Slipway was given a commit. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record GitSource(String type, String org, String repo, String ref, String sha) {
    }

    /**
     * A deployment as {@code /v13/deployments} answers it. The list endpoint ({@code /v6/deployments}) calls the
     * id {@code uid} and the state {@code state}, hence the aliases.
     */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Deployment(@JsonAlias("uid") String id, String url, @JsonAlias("state") String readyState,
            String readySubstate, String errorCode, String errorMessage, Map<String, String> meta) {
    }

    /** The answer of {@code GET /v6/deployments}. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record DeploymentList(List<Deployment> deployments) {
    }

    /**
     * One build event of {@code GET /v3/deployments/{id}/events}. Current answers nest the text in
     * {@code payload}; older ones carry {@code text} and {@code date} at the top level. Both are read.
     */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Event(String type, Long created, Long date, String text, Payload payload) {

        String message() {
            if (payload != null && payload.text() != null) {
                return payload.text();
            }
            return text;
        }

        /** Milliseconds since the epoch; events without any time sort first. */
        long at() {
            if (created != null) {
                return created;
            }
            if (payload != null && payload.date() != null) {
                return payload.date();
            }
            return date == null ? 0 : date;
        }
    }

    /** The nested part of a current build event. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Payload(String text, Long date, String serial) {
    }
}
