package dev.slipway.provider.vercel;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeoutException;
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
import dev.slipway.provider.RetryAfter;
import dev.slipway.provider.Throttle;
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
 * Speaks HTTP to Vercel's REST API without blocking. Every call goes through {@link VercelGuard} and waits out
 * any {@code Retry-After} Vercel asked for, whichever deployment the earlier call belonged to. The token travels
 * only in the {@code Authorization} header, never in a URL or a message.
 */
@ApplicationScoped
public class VercelClient {

    static final String DEFAULT_API = "https://api.vercel.com";
    /** How many 429 answers in a row one call waits out before it leaves the retry to the tracker. */
    private static final int RATE_LIMIT_ROUNDS = 3;
    /** When a 429 says nothing about how long to wait. */
    private static final Duration DEFAULT_RATE_LIMIT_WAIT = Duration.ofSeconds(1);
    /** Longest piece of Vercel's error message quoted in a status reason. */
    private static final int MAX_MESSAGE = 300;

    private final WebClient client;
    private final VercelGuard guard;
    private final SlipwayConfig config;
    private final ObjectMapper json;
    private final ProviderHealth health;
    private final Throttle throttle = new Throttle("Vercel");

    public VercelClient(Vertx vertx, VercelGuard guard, SlipwayConfig config, ObjectMapper json,
            ProviderHealth health) {
        this.client = WebClient.create(vertx, new WebClientOptions().setUserAgent("Slipway")
                .setConnectTimeout(5_000));
        this.guard = guard;
        this.config = config;
        this.json = json;
        this.health = health;
    }

    @PreDestroy
    void close() {
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
                .onFailure().transform(VercelClient::describe)
                .onFailure().invoke(e -> health.failed(VercelProvider.NAME, e));
    }

    private Uni<HttpAnswer> guarded(Supplier<Uni<HttpAnswer>> attempt, int round) {
        return throttle.await(rateLimitMaxWait())
                .chain(() -> guard.call(attempt))
                .onFailure(ProviderException.RateLimited.class).recoverWithUni(e -> {
                    Duration wait = ((ProviderException) e).retryAfter().orElse(DEFAULT_RATE_LIMIT_WAIT);
                    throttle.pause(wait);
                    Log.infof("vercel: rate limited; calls wait %d ms", wait.toMillis());
                    if (round + 1 >= RATE_LIMIT_ROUNDS) {
                        return Uni.createFrom().failure(e);
                    }
                    return guarded(attempt, round + 1);
                });
    }

    private Duration rateLimitMaxWait() {
        return config.providers().vercel().rateLimitMaxWait();
    }

    /**
     * One unguarded HTTP exchange, for use inside {@link #guarded}. A transient answer fails; a verdict (2xx or a
     * 4xx other than 408 and 429) is the item.
     */
    Uni<HttpAnswer> send(HttpMethod method, String path, Map<String, String> query, Object body,
            ProviderCredential credential) {
        String base = config.providers().vercel().apiUrl().orElse(DEFAULT_API);
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
        return sent.onFailure().transform(e -> ProviderException.transientFailure("Could not reach Vercel: "
                + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()), e))
                .map(VercelClient::classify);
    }

    /** 5xx, 408 and 429 are the provider's trouble and worth another try; every other answer is a verdict. */
    private static HttpAnswer classify(HttpResponse<Buffer> response) {
        int status = response.statusCode();
        String text = response.bodyAsString();
        HttpAnswer answer = new HttpAnswer(status, text == null ? "" : text, response.getHeader("Retry-After"));
        if (status == 429) {
            throw ProviderException.rateLimited("Vercel is rate limiting Slipway (429)",
                    RetryAfter.parse(answer.retryAfter(), Instant.now()).orElse(null));
        }
        if (status >= 500 || status == 408) {
            throw ProviderException.transientFailure("Vercel answered " + status, null);
        }
        return answer;
    }

    /** Exceptions from the guard itself become transient provider failures with a readable message. */
    private static Throwable describe(Throwable e) {
        if (e instanceof ProviderException) {
            return e;
        }
        if (e instanceof TimeoutException
                || e instanceof org.eclipse.microprofile.faulttolerance.exceptions.TimeoutException) {
            return ProviderException.transientFailure("Vercel did not answer in time", e);
        }
        return ProviderException.transientFailure("Calling Vercel failed: " + e.getClass().getSimpleName(), e);
    }

    /**
     * The terminal failure for a 4xx verdict, with Vercel's own message when it gave one. {@code what} names the
     * request in words ("the deployment", "the status request").
     */
    ProviderException rejected(HttpAnswer answer, String what) {
        ProviderException rejected = describeRejection(answer, what);
        health.failed(VercelProvider.NAME, rejected);
        return rejected;
    }

    private ProviderException describeRejection(HttpAnswer answer, String what) {
        int status = answer.status();
        if (status == 401) {
            return ProviderException.terminal("Vercel rejected the token (401); store a valid one with PUT "
                    + "/api/v1/credentials/{name}");
        }
        String message = errorMessage(answer.body());
        String detail = message == null ? "" : ": " + message;
        if (status == 403) {
            return ProviderException.terminal("Vercel refused access to " + what + " (403)" + detail
                    + "; check the token's scope and the team id");
        }
        if (status == 404) {
            return ProviderException.terminal("Vercel does not know " + what + " (404)" + detail);
        }
        return ProviderException.terminal("Vercel rejected " + what + " (" + status + ")" + detail);
    }

    private String errorMessage(String body) {
        try {
            JsonNode error = json.readTree(body).path("error");
            String message = error.path("message").asText(null);
            if (message == null) {
                message = error.path("code").asText(null);
            }
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
            throw new IllegalStateException("a Vercel request body did not serialise", e);
        }
    }

    private static String strip(String base) {
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }
}
