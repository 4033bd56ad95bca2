package dev.slipway.provider.render;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.platform.ProblemException;
import dev.slipway.platform.SlipwayConfig;
import io.quarkus.logging.Log;

/**
 * Checks and reads Render's webhooks, which follow Standard Webhooks: {@code webhook-signature} lists
 * {@code v1,<base64>} entries, each a base64 HMAC-SHA256 of {@code <webhook-id>.<webhook-timestamp>.<raw body>}
 * under the key that the {@code whsec_<base64>} secret encodes. A timestamp more than {@link #TOLERANCE} away from
 * now is refused like a bad signature, so a captured webhook cannot be replayed later; within the window the
 * caller drops repeated {@code webhook-id}s. A verified webhook only names a service or deploy to poll.
 */
@ApplicationScoped
public class RenderWebhooks {

    /** The window Standard Webhooks recommends for {@code webhook-timestamp}. */
    public static final Duration TOLERANCE = Duration.ofMinutes(5);

    private static final String SECRET_PREFIX = "whsec_";

    /**
     * What a webhook is about: its {@code webhook-id}, when it was sent, and the deploy (when Render names one)
     * and service it concerns.
     */
    public record Notice(String webhookId, Instant sentAt, String type, String deployId, String serviceId) {
    }

    private final SlipwayConfig config;
    private final ObjectMapper json;

    public RenderWebhooks(SlipwayConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
    }

    /**
     * The deploy and service a verified webhook is about; empty when it names neither. Fails with 404 when no
     * secret is set, 401 when a header is missing, the signature does not match or the timestamp is outside the
     * window (one message for all, so a forger learns nothing), 400 when a signed body is not JSON.
     */
    public Optional<Notice> read(String id, String timestamp, String signature, byte[] body) {
        String secret = config.providers().render().webhookSecret().orElseThrow(() -> new ProblemException(404,
                "Not Found", "Render webhooks are off: set SLIPWAY_PROVIDERS_RENDER_WEBHOOK_SECRET to turn them on"));
        Instant sentAt = seconds(timestamp);
        boolean recent = sentAt != null && Duration.between(sentAt, Instant.now()).abs().compareTo(TOLERANCE) <= 0;
        boolean signed = id != null && timestamp != null && signature != null
                && matches(id, timestamp, body, signature, key(secret));
        if (!recent || !signed) {
            Log.debugf("render webhook refused: %s", !signed ? "signature does not match" : "timestamp out of window");
            throw new ProblemException(401, "Unauthorized", "The webhook-signature does not match, or "
                    + "webhook-timestamp is more than " + TOLERANCE.toMinutes() + " minutes from now");
        }
        JsonNode payload;
        try {
            payload = json.readTree(body);
        } catch (java.io.IOException e) {
            throw new ProblemException(400, "Bad Request", "The webhook body is not JSON");
        }
        JsonNode data = payload.path("data");
        // Render's deploy events name the service; a deploy id is used when one is given.
        String deployId = text(data.path("deployId"), text(data.path("id"), null));
        String serviceId = text(data.path("serviceId"), null);
        if (deployId == null && serviceId == null) {
            return Optional.empty();
        }
        return Optional.of(new Notice(id, sentAt, text(payload.path("type"), null), deployId, serviceId));
    }

    /** Accepted when any {@code v1} entry matches; compared in constant time. */
    static boolean matches(String id, String timestamp, byte[] body, String signatures, byte[] key) {
        byte[] expected = sign(id, timestamp, body, key);
        boolean any = false;
        for (String entry : signatures.trim().split(" +")) {
            int comma = entry.indexOf(',');
            if (comma < 0 || !"v1".equals(entry.substring(0, comma))) {
                continue;
            }
            byte[] given;
            try {
                given = Base64.getDecoder().decode(entry.substring(comma + 1));
            } catch (IllegalArgumentException e) {
                continue;
            }
            any |= MessageDigest.isEqual(expected, given);
        }
        return any;
    }

    /** The raw HMAC-SHA256 of {@code id.timestamp.body}. */
    static byte[] sign(String id, String timestamp, byte[] body, byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /** The signing key a {@code whsec_<base64>} secret stands for. */
    static byte[] key(String secret) {
        String encoded = secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
        try {
            return Base64.getDecoder().decode(encoded.trim());
        } catch (IllegalArgumentException e) {
            // The secret itself stays out of the answer and the log.
            throw new ProblemException(500, "Internal Server Error", "SLIPWAY_PROVIDERS_RENDER_WEBHOOK_SECRET is "
                    + "not in Render's whsec_<base64> form; copy it again from the webhook's settings");
        }
    }

    private static Instant seconds(String timestamp) {
        if (timestamp == null || !timestamp.trim().matches("[0-9]{1,12}")) {
            return null;
        }
        return Instant.ofEpochSecond(Long.parseLong(timestamp.trim()));
    }

    private static String text(JsonNode node, String otherwise) {
        return node.isTextual() && !node.asText().isBlank() ? node.asText() : otherwise;
    }
}
