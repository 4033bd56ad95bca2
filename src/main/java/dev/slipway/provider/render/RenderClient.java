package dev.slipway.provider.render;

import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.platform.SlipwayConfig;
import dev.slipway.provider.ProviderHealth;
import dev.slipway.provider.ProviderHttp;
import dev.slipway.provider.RestProviderClient;
import io.vertx.mutiny.core.Vertx;

/** Render's REST API through {@link RenderGuard}; see {@link ProviderHttp} for what every call goes through. */
@Singleton
public class RenderClient extends RestProviderClient {

    static final String DEFAULT_API = "https://api.render.com/v1";

    public RenderClient(Vertx vertx, RenderGuard guard, SlipwayConfig config, ObjectMapper json,
            ProviderHealth health) {
        super(new ProviderHttp(RenderProvider.NAME, "Render", DEFAULT_API, () -> config.providers().render(),
                guard::call, RenderClient::errorMessage, vertx, json, health));
    }

    /** Render's errors read {@code {"id": "...", "message": "..."}}. */
    private static String errorMessage(JsonNode body) {
        return body.path("message").asText(null);
    }
}
