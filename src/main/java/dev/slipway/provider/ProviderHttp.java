package dev.slipway.provider;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.platform.SlipwayConfig;
import dev.slipway.provider.DeploymentProvider.ProviderCredential;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;

/**
 * Non-blocking HTTP to one provider's REST API, shared by the adapters' clients: every call goes through the
 * provider's fault-tolerance guard and waits out any {@code Retry-After} the provider asked for, whichever
 * deployment the earlier call belonged to. Failures are classified (connect errors, timeouts, 5xx, 408 and 429
 * fail as transient; other answers are verdicts for the adapter). The token travels only in the
 * {@code Authorization} header, never in a URL or a message.
 */
public final class ProviderHttp {

    /** How many 429 answers in a row one call waits out before it leaves the retry to the tracker. */
    private static final int RATE_LIMIT_ROUNDS = 3;
    /** When a 429 says nothing about how long to wait. */
    private static final Duration DEFAULT_RATE_LIMIT_WAIT = Duration.ofSeconds(1);
    /** Longest piece of a provider's error message quoted in a status reason. */
    private static final int MAX_MESSAGE = 300;

    /** How a provider's calls are run through its fault-tolerance guard. */
    public interface Guard {
        Uni<HttpAnswer> call(Supplier<Uni<HttpAnswer>> attempt);
    }

    private final String provider;
    private final String title;
    private final String defaultApi;
    private final Supplier<SlipwayConfig.Provider> settings;
    private final Guard guard;
    private final Function<JsonNode, String> errorMessage;
    private final ObjectMapper json;
    private final ProviderHealth health;
    private final WebClient client;
    private final Throttle throttle;

    /**
     * @param provider     the provider's name ({@code vercel})
     * @param title        how messages name it ({@code Vercel})
     * @param defaultApi   the real API's base URL, used when {@code api-url} is unset
     * @param errorMessage reads the human message out of the provider's error body, null when there is none
     */
    public ProviderHttp(String provider, String title, String defaultApi, Supplier<SlipwayConfig.Provider> settings,
            Guard guard, Function<JsonNode, String> errorMessage, Vertx vertx, ObjectMapper json,
            ProviderHealth health) {
        this.provider = provider;
        this.title = title;
        this.defaultApi = defaultApi;
        this.settings = settings;
        this.guard = guard;
        this.errorMessage = errorMessage;
        this.json = json;
        this.health = health;
        this.client = WebClient.create(vertx, new WebClientOptions().setUserAgent("Slipway").setConnectTimeout(5_000));
        this.throttle = new Throttle(title);
    }

    public void close() {
        client.close();
    }

    /** One guarded call; {@code body} may be null. Fails only with {@link ProviderException}. */
    public Uni<HttpAnswer> call(HttpMethod method, String path, Map<String, String> query, Object body,
            ProviderCredential credential) {
        return guarded(() -> send(method, path, query, body, credential));
    }

    /**
     * Runs {@code attempt} (one or more {@link #send} calls that are safe to repeat as a whole) through the guard,
     * waiting out rate limits. Fails only with {@link ProviderException}.
     */
    public Uni<HttpAnswer> guarded(Supplier<Uni<HttpAnswer>> attempt) {
        return guarded(attempt, 0)
                .onFailure().transform(this::describe)
                .onFailure().invoke(e -> health.failed(provider, e));
    }

    private Uni<HttpAnswer> guarded(Supplier<Uni<HttpAnswer>> attempt, int round) {
        return throttle.await(settings.get().rateLimitMaxWait())
                .chain(() -> guard.call(attempt))
                .onFailure(ProviderException.RateLimited.class).recoverWithUni(e -> {
                    Duration wait = ((ProviderException) e).retryAfter().orElse(DEFAULT_RATE_LIMIT_WAIT);
                    throttle.pause(wait);
                    Log.infof("%s: rate limited; calls wait %d ms", provider, wait.toMillis());
                    if (round + 1 >= RATE_LIMIT_ROUNDS) {
                        return Uni.createFrom().failure(e);
                    }
                    return guarded(attempt, round + 1);
                });
    }

    /**
     * One unguarded HTTP exchange, for use inside {@link #guarded}. A transient answer fails; a verdict (2xx or a
     * 4xx other than 408 and 429) is the item.
     */
    public Uni<HttpAnswer> send(HttpMethod method, String path, Map<String, String> query, Object body,
            ProviderCredential credential) {
        String base = settings.get().apiUrl().orElse(defaultApi);
        HttpRequest<Buffer> request = client.requestAbs(method, strip(base) + path)
                .putHeader("Accept", "application/json");
        query.forEach((k, v) -> {
            if (v != null) {
                request.addQueryParam(k, v);
            }
        });
        if (credential != null) {
            request.bearerTokenAuthentication(credential.token());
        }
        Uni<HttpResponse<Buffer>> sent = body == null ? request.send()
                : request.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(write(body)));
        return sent.onFailure().transform(e -> ProviderException.transientFailure("Could not reach " + title + ": "
                + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()), e))
                .map(this::classify);
    }

    /** 5xx, 408 and 429 are the provider's trouble and worth another try; every other answer is a verdict. */
    private HttpAnswer classify(HttpResponse<Buffer> response) {
        int status = response.statusCode();
        String text = response.bodyAsString();
        HttpAnswer answer = new HttpAnswer(status, text == null ? "" : text, response.getHeader("Retry-After"));
        if (status == 429) {
            throw ProviderException.rateLimited(title + " is rate limiting Slipway (429)",
                    RetryAfter.parse(answer.retryAfter(), Instant.now()).orElse(null));
        }
        if (status >= 500 || status == 408) {
            throw ProviderException.transientFailure(title + " answered " + status, null);
        }
        return answer;
    }

    /** Exceptions from the guard itself become transient provider failures with a readable message. */
    private Throwable describe(Throwable e) {
        if (e instanceof ProviderException) {
            return e;
        }
        if (e instanceof TimeoutException
                || e instanceof org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException) {
            return ProviderException.transientFailure(title + " did not answer in time", e);
        }
        return ProviderException.transientFailure("Calling " + title + " failed: " + e.getClass().getSimpleName(), e);
    }

    /**
     * The terminal failure for a 4xx verdict, with the provider's own message when it gave one; also this
     * provider's last error. {@code what} names the request in words ("deployment dpl_1").
     */
    public ProviderException rejected(HttpAnswer answer, String what) {
        return rejected(answer, what, List.of());
    }

    /**
     * As {@link #rejected(HttpAnswer, String)}, for a request that carried secret values (variables): the
     * provider's message is left out when it quotes any of them, since the reason is stored, logged and shown.
     */
    public ProviderException rejected(HttpAnswer answer, String what, Collection<String> secrets) {
        ProviderException rejected = describeRejection(answer, what, secrets);
        health.failed(provider, rejected);
        return rejected;
    }

    /** {@code message} unless it quotes one of {@code secrets}. */
    public static String withoutSecrets(String message, Collection<String> secrets) {
        if (message == null || secrets.stream().noneMatch(v -> !v.isEmpty() && message.contains(v))) {
            return message;
        }
        return "the provider's message is withheld because it quotes a variable's value";
    }

    private ProviderException describeRejection(HttpAnswer answer, String what, Collection<String> secrets) {
        int status = answer.status();
        if (status == 401) {
            return ProviderException.terminal(title + " rejected the token (401); store a valid one with PUT "
                    + "/api/v1/credentials/{name}");
        }
        if (status == 403 && invalidToken(answer.body())) {
            // Vercel answers an unknown or expired token with 403 and error.invalidToken rather than 401.
            return ProviderException.terminal(title + " rejected the token (403); store a valid one with PUT "
                    + "/api/v1/credentials/{name}");
        }
        String message = withoutSecrets(message(answer.body()), secrets);
        String detail = message == null ? "" : ": " + message;
        if (status == 403) {
            return ProviderException.terminal(title + " refused access to " + what + " (403)" + detail
                    + "; check the token's scope and the target's account settings");
        }
        if (status == 404) {
            return ProviderException.terminal(title + " does not know " + what + " (404)" + detail);
        }
        return ProviderException.terminal(title + " rejected " + what + " (" + status + ")" + detail);
    }

    private boolean invalidToken(String body) {
        try {
            return body != null && json.readTree(body).path("error").path("invalidToken").asBoolean(false);
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    private String message(String body) {
        try {
            String message = errorMessage.apply(json.readTree(body));
            return message == null || message.length() <= MAX_MESSAGE ? message
                    : message.substring(0, MAX_MESSAGE) + "...";
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private String write(Object body) {
        try {
            return json.writeValueAsString(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a " + title + " request body did not serialise", e);
        }
    }

    /** {@code text} as one URL path segment: percent-encoded, so a {@code /} or space cannot change the path. */
    public static String pathSegment(String text) {
        return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String strip(String base) {
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }
}
