package dev.slipway.provider.railway;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.slipway.platform.Problem;

/**
 * A Railway project's target: {@code {"projectId": "...", "environmentId": "...", "serviceId": "..."}}, the ids
 * Railway shows in a service's settings (or the CLI's {@code railway status --json}). All three are needed: a
 * service deploys into one environment of one project.
 */
record RailwayTarget(String projectId, String environmentId, String serviceId) {

    private static final List<String> REQUIRED = List.of("projectId", "environmentId", "serviceId");
    private static final List<String> FIELDS = List.of("projectId", "environmentId", "serviceId", "credential");

    static RailwayTarget of(JsonNode target) {
        return new RailwayTarget(target.path("projectId").asText(), target.path("environmentId").asText(),
                target.path("serviceId").asText());
    }

    static List<Problem.FieldError> validate(JsonNode target) {
        List<Problem.FieldError> errors = new ArrayList<>();
        for (String field : REQUIRED) {
            JsonNode value = target.get(field);
            if (value == null || !value.isTextual() || value.asText().isBlank()) {
                errors.add(new Problem.FieldError("target." + field, "is required for railway: the " + field
                        .substring(0, field.length() - 2) + "'s id from Railway"));
            }
        }
        target.fieldNames().forEachRemaining(name -> {
            if (!FIELDS.contains(name)) {
                errors.add(new Problem.FieldError("target." + name, "is not a railway setting"));
            }
        });
        return errors;
    }
}
