package dev.slipway.provider.railway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.platform.ProblemException;
import dev.slipway.platform.SlipwayConfig;

/**
 * Checks and reads Railway's webhooks. Railway signs nothing, so the webhook's URL carries a token only Slipway
 * and the Railway project know ({@code /hooks/railway/{token}}); it is compared in constant time and never
 * echoed or logged. A webhook only names the deployment to poll: the state still comes from Railway's API.
 */
@ApplicationScoped
public class RailwayWebhooks {

    /**
     * What a webhook is about: the deployment, the event type and Railway's timestamp (null when absent or
     * unreadable), which together tell a re-delivered webhook from a new one, Railway sending no event id.
     */
    public record Notice(String deploymentId, String type, Instant sentAt, String rawTimestamp) {

        /** What identifies this webhook among the ones Railway sends. */
        public String receipt() {
            return deploymentId + "\n" + type + "\n" + rawTimestamp;
        }
    }

    private final SlipwayConfig config;
    private final ObjectMapper json;

    public RailwayWebhooks(SlipwayConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
    }

    /**
     * The deployment a webhook with the right token is about; empty when it names none. Fails with 404 when no
     * token is set, 401 when the token is wrong, 400 when the body is not JSON.
     */
    public Optional<Notice> read(String token, byte[] body) {
        String expected = config.providers().railway().webhookToken().orElseThrow(() -> new ProblemException(404,
                "Not Found", "Railway webhooks are off: set SLIPWAY_PROVIDERS_RAILWAY_WEBHOOK_TOKEN to turn them on"));
        if (token == null || !same(token, expected)) {
            throw new ProblemException(401, "Unauthorized", "The webhook URL's token is not the one Slipway expects");
        }
        JsonNode payload;
        try {
            payload = json.readTree(body);
        } catch (java.io.IOException e) {
            throw new ProblemException(400, "Bad Request", "The webhook body is not JSON");
        }
        // The current shape names it under resource, older ones at the top level or in details.
        String id = text(payload.path("resource").path("deployment").path("id"),
                text(payload.path("details").path("id"), text(payload.path("deployment").path("id"), null)));
        if (id == null) {
            return Optional.empty();
        }
        String timestamp = text(payload.path("timestamp"), null);
        return Optional.of(new Notice(id, text(payload.path("type"), ""), instant(timestamp), timestamp));
    }

    /** Hashes first, so neither the content nor the length of the right token shows in the time taken. */
    static boolean same(String given, String expected) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] a = sha.digest(given.getBytes(StandardCharsets.UTF_8));
            byte[] b = sha.digest(expected.getBytes(StandardCharsets.UTF_8));
            return MessageDigest.isEqual(a, b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static Instant instant(String timestamp) {
        if (timestamp == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(timestamp).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String text(JsonNode node, String otherwise) {
        return node.isTextual() && !node.asText().isBlank() ? node.asText() : otherwise;
    }
}
