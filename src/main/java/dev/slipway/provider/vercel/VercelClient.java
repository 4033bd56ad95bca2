package dev.slipway.provider.vercel;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.platform.SlipwayConfig;
import dev.slipway.provider.ProviderHealth;
import dev.slipway.provider.ProviderHttp;
import dev.slipway.provider.RestProviderClient;
import io.vertx.mutiny.core.Vertx;

/** Vercel's REST API through {@link VercelGuard}; see {@link ProviderHttp} for what every call goes through. */
@Singleton
public class VercelClient extends RestProviderClient {

    static final String DEFAULT_API = "https://api.vercel.com";

    public VercelClient(Vertx vertx, VercelGuard guard, SlipwayConfig config, ObjectMapper json,
            ProviderHealth health) {
        super(new ProviderHttp(VercelProvider.NAME, "Vercel", DEFAULT_API, () -> config.providers().vercel(),
                guard::call, VercelClient::errorMessage, vertx, json, health));
    }

    /** Vercel's errors read {@code {"error": {"code": "...", "message": "..."}}}. */
    private static String errorMessage(JsonNode body) {
        JsonNode error = body.path("error");
        return error.path("message").asText(error.path("code").asText(null));
    }
}
