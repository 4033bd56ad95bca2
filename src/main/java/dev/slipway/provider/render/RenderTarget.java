package dev.slipway.provider.render;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.slipway.platform.Problem;
import dev.slipway.provider.DeploymentProvider.ProviderCredential;

/**
 * A Render project's target: {@code {"serviceId": "srv-...", "ownerId": "tea-..."}}. {@code ownerId} (the workspace)
 * is what Render's log API needs; when absent it comes from the credential.
 */
record RenderTarget(String serviceId, String ownerId) {

    private static final List<String> FIELDS = List.of("serviceId", "ownerId", "credential");

    static RenderTarget of(JsonNode target) {
        return new RenderTarget(target.path("serviceId").asText(), target.path("ownerId").asText(null));
    }

    /** The workspace to read logs in: the target's, else the credential's; null when neither says. */
    String owner(ProviderCredential credential) {
        if (ownerId != null) {
            return ownerId;
        }
        return credential == null ? null : credential.ownerId();
    }

    static List<Problem.FieldError> validate(JsonNode target) {
        List<Problem.FieldError> errors = new ArrayList<>();
        JsonNode service = target.get("serviceId");
        if (service == null || !service.isTextual() || service.asText().isBlank()) {
            errors.add(new Problem.FieldError("target.serviceId", "is required for render: the service's id, "
                    + "srv-..."));
        }
        JsonNode owner = target.get("ownerId");
        if (owner != null && !(owner.isTextual() && !owner.asText().isBlank())) {
            errors.add(new Problem.FieldError("target.ownerId", "must be a Render workspace id such as tea-..."));
        }
        target.fieldNames().forEachRemaining(name -> {
            if (!FIELDS.contains(name)) {
                errors.add(new Problem.FieldError("target." + name, "is not a render setting"));
            }
        });
        return errors;
    }
}
