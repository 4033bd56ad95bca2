package dev.slipway.credential.oauth;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A token endpoint's error answer: OAuth's {@code {error, error_description}}, or Vercel's
 * {@code {error: {code, message}}}.
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
public record TokenError(JsonNode error, @JsonProperty("error_description") String description, String message) {

    /** The error in words, as the provider put it. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        if (error != null && error.isTextual()) {
            text.append(error.asText());
        } else if (error != null && error.isObject()) {
            text.append(error.path("code").asText("")).append(error.has("message") ? ": " : "")
                    .append(error.path("message").asText(""));
        }
        if (description != null) {
            text.append(text.isEmpty() ? "" : " (").append(description).append(text.isEmpty() ? "" : ")");
        } else if (message != null) {
            text.append(text.isEmpty() ? "" : ": ").append(message);
        }
        return text.toString();
    }
}
