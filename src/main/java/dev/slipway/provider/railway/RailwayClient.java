package dev.slipway.provider.railway;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

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
import dev.slipway.provider.RetryAfter;
import dev.slipway.provider.railway.RailwayModels.Request;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.mutiny.core.Vertx;

/**
 * Railway's GraphQL API ({@code POST {api}/graphql/v2}) through {@link RailwayGuard}; see {@link ProviderHttp} for
 * what every call goes through. Railway answers most errors with HTTP 200 and an {@code errors} array, so every
 * answer's errors are read before its data and sorted like HTTP statuses: rate limits wait as a 429 does, errors
 * that say Railway could not process the request right now are transient, and a rejected token or bad input comes
 * back as a verdict that {@link #rejection} turns into a terminal failure.
 */
@ApplicationScoped
public class RailwayClient {

    static final String DEFAULT_API = "https://backboard.railway.com";
    static final String PATH = "/graphql/v2";
    /** Longest piece of Railway's error message quoted in a status reason. */
    private static final int MAX_MESSAGE = 300;

    /** How one GraphQL error is to be taken. */
    enum Kind {
        /** The token is unknown, expired or has no access: retrying cannot help. */
        TOKEN,
        /** The request itself is wrong (validation, an id Railway does not know): retrying cannot help. */
        INPUT,
        /** Railway asked Slipway to slow down. */
        RATE_LIMITED,
        /** Railway failed on its side; the same request may succeed later. */
        TRANSIENT
    }

    /** A terminal verdict: what kind of error it was and the failure a deployment ends with. */
    record Rejection(Kind kind, ProviderException failure) {
    }

    private final ProviderHttp http;
    private final ObjectMapper json;
    private final ProviderHealth health;

    public RailwayClient(Vertx vertx, RailwayGuard guard, SlipwayConfig config, ObjectMapper json,
            ProviderHealth health) {
        this.json = json;
        this.health = health;
        this.http = new ProviderHttp(RailwayProvider.NAME, "Railway", DEFAULT_API, () -> config.providers().railway(),
                guard::call, RailwayClient::errorMessage, vertx, json, health);
    }

    @PreDestroy
    void close() {
        http.close();
    }

    /** The first GraphQL error's message, for answers that are not 2xx. */
    private static String errorMessage(JsonNode body) {
        return body.path("errors").path(0).path("message").asText(null);
    }

    /**
     * One guarded GraphQL operation. {@code what} names it in messages ("deployment 1234"); {@code shown} decides
     * how much of Railway's own error message a message may quote (null: none).
     */
    Uni<HttpAnswer> call(String what, String query, Map<String, Object> variables, ProviderCredential credential,
            UnaryOperator<String> shown) {
        return http.guarded(() -> send(what, query, variables, credential, shown));
    }

    /** Runs {@code attempt}, which must be safe to repeat as a whole, through the guard. */
    Uni<HttpAnswer> guarded(Supplier<Uni<HttpAnswer>> attempt) {
        return http.guarded(attempt);
    }

    /**
     * One unguarded GraphQL exchange, for use inside {@link #guarded}. Rate limits and transient GraphQL errors
     * fail here, so the guard retries them; every other answer is the item.
     */
    Uni<HttpAnswer> send(String what, String query, Map<String, Object> variables, ProviderCredential credential,
            UnaryOperator<String> shown) {
        return http.send(HttpMethod.POST, PATH, Map.of(), new Request(query, variables), credential)
                .map(answer -> {
                    List<JsonNode> errors = errors(answer);
                    if (errors.isEmpty()) {
                        return answer;
                    }
                    Kind kind = worst(errors);
                    String detail = detail(errors, shown);
                    if (kind == Kind.RATE_LIMITED) {
                        throw ProviderException.rateLimited("Railway is rate limiting Slipway" + detail,
                                RetryAfter.parse(answer.retryAfter(), Instant.now()).orElse(null));
                    }
                    if (kind == Kind.TRANSIENT) {
                        throw ProviderException.transientFailure("Railway could not process " + what
                                + " right now" + detail, null);
                    }
                    return answer;
                });
    }

    /**
     * The terminal failure an answer carries, empty when it is a success: GraphQL errors first (whatever the HTTP
     * status), then a 4xx. Does not count as the provider's last error until {@link #record} is called.
     */
    Optional<Rejection> rejection(HttpAnswer answer, String what, UnaryOperator<String> shown) {
        List<JsonNode> errors = errors(answer);
        if (!errors.isEmpty()) {
            Kind kind = worst(errors);
            String detail = detail(errors, shown);
            String quoted = detail.isEmpty() ? "" : " (" + detail.substring(2) + ")";
            return Optional.of(new Rejection(kind, switch (kind) {
                case TOKEN -> ProviderException.terminal("Railway rejected the token" + quoted + " for " + what
                        + "; store an account, workspace or OAuth token with access to it with PUT "
                        + "/api/v1/credentials/{name}");
                case INPUT -> ProviderException.terminal("Railway rejected " + what + detail);
                case RATE_LIMITED -> ProviderException.transientFailure("Railway is rate limiting Slipway" + detail,
                        null);
                case TRANSIENT -> ProviderException.transientFailure("Railway could not process " + what
                        + " right now" + detail, null);
            }));
        }
        if (!answer.ok()) {
            Kind kind = answer.status() == 401 || answer.status() == 403 ? Kind.TOKEN : Kind.INPUT;
            return Optional.of(new Rejection(kind, http.rejected(answer, what)));
        }
        return Optional.empty();
    }

    /** Makes a rejection this provider's last error and answers its failure, to be thrown. */
    ProviderException record(Rejection rejection) {
        health.failed(RailwayProvider.NAME, rejection.failure());
        return rejection.failure();
    }

    /** The failure for an answer that is not a success; see {@link #rejection}. */
    void check(HttpAnswer answer, String what, UnaryOperator<String> shown) {
        Optional<Rejection> rejection = rejection(answer, what, shown);
        if (rejection.isPresent()) {
            throw record(rejection.get());
        }
    }

    /** The answer's GraphQL errors; none when the body is not JSON (the caller reports that as malformed). */
    private List<JsonNode> errors(HttpAnswer answer) {
        List<JsonNode> errors = new ArrayList<>();
        try {
            JsonNode list = json.readTree(answer.body()).path("errors");
            if (list.isArray()) {
                list.forEach(errors::add);
            }
        } catch (java.io.IOException | RuntimeException e) {
            return List.of();
        }
        return errors;
    }

    /** A request with several errors is as bad as its worst: a terminal error wins over a passing one. */
    private static Kind worst(List<JsonNode> errors) {
        List<Kind> kinds = errors.stream().map(RailwayClient::kind).toList();
        for (Kind kind : List.of(Kind.TOKEN, Kind.INPUT, Kind.RATE_LIMITED)) {
            if (kinds.contains(kind)) {
                return kind;
            }
        }
        return Kind.TRANSIENT;
    }

    /**
     * Sorts one error by its {@code extensions.code} and, since Railway often sends none, by its message.
     * Anything not known to be passing is taken as a verdict, so a deployment fails with Railway's words instead
     * of waiting for its timeout.
     */
    static Kind kind(JsonNode error) {
        String code = error.path("extensions").path("code").asText("").toUpperCase(Locale.ROOT);
        String message = error.path("message").asText("").toLowerCase(Locale.ROOT);
        if (code.equals("RATE_LIMITED") || code.equals("TOO_MANY_REQUESTS") || message.contains("rate limit")
                || message.contains("too many requests")) {
            return Kind.RATE_LIMITED;
        }
        if (code.equals("UNAUTHENTICATED") || code.equals("FORBIDDEN") || code.equals("UNAUTHORIZED")
                || message.contains("not authorized") || message.contains("unauthorized")) {
            return Kind.TOKEN;
        }
        if (code.equals("INTERNAL_SERVER_ERROR") || code.equals("SERVICE_UNAVAILABLE")
                || message.contains("problem processing request") || message.contains("internal server error")
                || message.contains("temporarily unavailable")) {
            return Kind.TRANSIENT;
        }
        return Kind.INPUT;
    }

    /** ": <Railway's first message>", as much of it as {@code shown} allows, or "" when none may be quoted. */
    private static String detail(List<JsonNode> errors, UnaryOperator<String> shown) {
        String message = errors.get(0).path("message").asText(null);
        if (message == null || message.isBlank()) {
            return "";
        }
        String safe = shown.apply(message);
        if (safe == null) {
            return "";
        }
        return ": " + (safe.length() <= MAX_MESSAGE ? safe : safe.substring(0, MAX_MESSAGE) + "...");
    }
}
