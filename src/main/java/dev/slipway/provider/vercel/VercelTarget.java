package dev.slipway.provider.vercel;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.slipway.platform.Problem;
import dev.slipway.provider.DeploymentProvider.ProviderCredential;

/**
 * A Vercel project's target: {@code {"project": "my-app", "teamId": "team_..."}}. {@code project} is the Vercel
 * project's name or id; {@code teamId} scopes every call to a team and, when absent, comes from the credential
 * (an OAuth connect stores the team it was granted for).
 */
record VercelTarget(String project, String teamId) {

    private static final List<String> FIELDS = List.of("project", "teamId", "credential");

    static VercelTarget of(JsonNode target) {
        return new VercelTarget(target.path("project").asText(), target.path("teamId").asText(null));
    }

    /** The team to act in: the target's, else the credential's, else none (a personal account). */
    String team(ProviderCredential credential) {
        if (teamId != null) {
            return teamId;
        }
        return credential == null ? null : credential.teamId();
    }

    static List<Problem.FieldError> validate(JsonNode target) {
        List<Problem.FieldError> errors = new ArrayList<>();
        JsonNode project = target.get("project");
        if (project == null || !project.isTextual() || project.asText().isBlank()) {
            errors.add(new Problem.FieldError("target.project", "is required for vercel: the Vercel project's "
                    + "name or id"));
        }
        JsonNode team = target.get("teamId");
        if (team != null && !(team.isTextual() && !team.asText().isBlank())) {
            errors.add(new Problem.FieldError("target.teamId", "must be a Vercel team id such as team_abc123"));
        }
        target.fieldNames().forEachRemaining(name -> {
            if (!FIELDS.contains(name)) {
                errors.add(new Problem.FieldError("target." + name, "is not a vercel setting"));
            }
        });
        return errors;
    }
}
