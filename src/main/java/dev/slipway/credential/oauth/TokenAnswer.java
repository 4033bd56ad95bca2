package dev.slipway.credential.oauth;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A token endpoint's successful answer: Vercel's {@code {access_token, team_id, ...}} and Railway's
 * {@code {access_token, refresh_token, expires_in, ...}} share these names. Unknown fields are ignored, as
 * providers add them freely.
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
public record TokenAnswer(
        @JsonProperty("access_token") String accessToken,
        @JsonProperty("refresh_token") String refreshToken,
        @JsonProperty("expires_in") Long expiresIn,
        @JsonProperty("token_type") String tokenType,
        @JsonProperty("team_id") String teamId,
        @JsonProperty("user_id") String userId) {

    @Override
    public String toString() {
        return "TokenAnswer[teamId=" + teamId + ", expiresIn=" + expiresIn + "]";
    }
}
