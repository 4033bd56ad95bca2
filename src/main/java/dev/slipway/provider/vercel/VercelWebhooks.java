package dev.slipway.provider.vercel;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.platform.ProblemException;
import dev.slipway.platform.SlipwayConfig;

/**
 * Checks and reads Vercel's deployment webhooks. Vercel signs the raw body: {@code x-vercel-signature} is the hex
 * HMAC-SHA1 of it under the webhook's secret. A verified webhook only names a deployment; what state it is in
 * is still asked of Vercel's API, so a forged or reordered webhook can at most cause one extra poll.
 */
@ApplicationScoped
public class VercelWebhooks {

    /**
     * Which deployment a webhook is about: Vercel's id and, when present, Slipway's tag from {@code meta}; with
     * the event's own id and time (null when absent), by which a replayed or late event is recognised.
     */
    public record Notice(String providerDeploymentId, String slipwayId, String eventId, Instant createdAt) {
    }

    private final SlipwayConfig config;
    private final ObjectMapper json;

    public VercelWebhooks(SlipwayConfig config, ObjectMapper json) {
        this.config = config;
        this.json = json;
    }

    /**
     * The deployment a correctly signed webhook is about; empty when it is about something else (a project or a
     * domain event). Fails with 404 when no secret is set, 401 when the signature is missing or wrong, 400 when
     * a signed body is not JSON.
     */
    public Optional<Notice> read(byte[] body, String signature) {
        String secret = config.providers().vercel().webhookSecret().orElseThrow(() -> new ProblemException(404,
                "Not Found", "Vercel webhooks are off: set SLIPWAY_PROVIDERS_VERCEL_WEBHOOK_SECRET to turn them on"));
        if (signature == null || !matches(body, signature.trim(), secret)) {
            throw new ProblemException(401, "Unauthorized", "The x-vercel-signature header does not match the body");
        }
        JsonNode event;
        try {
            event = json.readTree(body);
        } catch (java.io.IOException e) {
            throw new ProblemException(400, "Bad Request", "The webhook body is not JSON");
        }
        JsonNode payload = event.path("payload");
        JsonNode deployment = payload.path("deployment");
        String id = deployment.path("id").asText(payload.path("deploymentId").asText(null));
        String tag = deployment.path("meta").path(VercelProvider.TAG).asText(null);
        String eventId = event.path("id").isTextual() ? event.path("id").asText() : null;
        Instant createdAt = event.path("createdAt").isNumber()
                ? Instant.ofEpochMilli(event.path("createdAt").asLong()) : null;
        return id == null && tag == null ? Optional.empty() : Optional.of(new Notice(id, tag, eventId, createdAt));
    }

    /** Constant-time, so the time taken tells nothing about how much of a forged signature was right. */
    static boolean matches(byte[] body, String signature, String secret) {
        byte[] expected = HexFormat.of().formatHex(hmac(body, secret)).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, signature.toLowerCase().getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] hmac(byte[] body, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA1 is not available", e);
        }
    }
}
