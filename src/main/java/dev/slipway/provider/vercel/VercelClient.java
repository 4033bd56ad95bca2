package dev.slipway.provider.vercel;

import java.util.Map;
import java.util.function.Supplier;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.platform.SlipwayConfig;
import dev.slipway.provider.DeploymentProvider.ProviderCredential;
import dev.slipway.provider.HttpAnswer;
import dev.slipway.provider.ProviderException;
import dev.slipway.provider.ProviderHealth;
import dev.slipway.provider.ProviderHttp;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.mutiny.core.Vertx;

/** Vercel's REST API through {@link VercelGuard}; see {@link ProviderHttp} for what every call goes through. */
@ApplicationScoped
public class VercelClient {

    static final String DEFAULT_API = "https://api.vercel.com";

    private final ProviderHttp http;

    public VercelClient(Vertx vertx, VercelGuard guard, SlipwayConfig config, ObjectMapper json,
            ProviderHealth health) {
        this.http = new ProviderHttp(VercelProvider.NAME, "Vercel", DEFAULT_API, () -> config.providers().vercel(),
                guard::call, VercelClient::errorMessage, vertx, json, health);
    }

    @PreDestroy
    void close() {
        http.close();
    }

    /** Vercel's errors read {@code {"error": {"code": "...", "message": "..."}}}. */
    private static String errorMessage(JsonNode body) {
        JsonNode error = body.path("error");
        return error.path("message").asText(error.path("code").asText(null));
    }

    /** One guarded call; {@code body} may be null. Fails only with {@link ProviderException}. */
    public Uni<HttpAnswer> call(HttpMethod method, String path, Map<String, String> query, Object body,
            ProviderCredential credential) {
        return http.call(method, path, query, body, credential);
    }

    /** Runs {@code attempt}, which must be safe to repeat as a whole, through the guard. */
    public Uni<HttpAnswer> guarded(Supplier<Uni<HttpAnswer>> attempt) {
        return http.guarded(attempt);
    }

    /** One unguarded exchange, for use inside {@link #guarded}. */
    Uni<HttpAnswer> send(HttpMethod method, String path, Map<String, String> query, Object body,
            ProviderCredential credential) {
        return http.send(method, path, query, body, credential);
    }

    /** The terminal failure for a 4xx verdict about {@code what}. */
    ProviderException rejected(HttpAnswer answer, String what) {
        return http.rejected(answer, what);
    }
}
