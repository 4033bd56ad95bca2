package dev.slipway.credential.oauth;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.logs.LogRedactor;
import dev.slipway.platform.ProblemException;
import dev.slipway.platform.SlipwayConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.MultiMap;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;

/**
 * Calls the providers' OAuth token endpoints (form posts, JSON answers) without blocking. A failure becomes a
 * problem that says what the provider answered, with every secret of the request redacted from it.
 */
@ApplicationScoped
public class TokenClient {

    /** How long a token endpoint may take before the exchange is given up. */
    static final int TIMEOUT_MILLIS = 10_000;
    /** Longest piece of a provider's error answer repeated to the client. */
    private static final int MAX_ERROR = 300;

    private final WebClient client;
    private final SlipwayConfig config;
    private final ObjectMapper json;

    public TokenClient(Vertx vertx, SlipwayConfig config, ObjectMapper json) {
        this.client = WebClient.create(vertx, new WebClientOptions().setUserAgent("Slipway")
                .setConnectTimeout(TIMEOUT_MILLIS));
        this.config = config;
        this.json = json;
    }

    @PreDestroy
    void close() {
        client.close();
    }

    /**
     * Posts {@code form} to the provider's token endpoint and reads the token answer.
     *
     * @param secrets the secret values in the form (code, client secret, verifier, refresh token), kept out
     *                of any error text
     */
    public Uni<TokenAnswer> post(OAuthProvider provider, Map<String, String> form, List<String> secrets) {
        MultiMap body = MultiMap.caseInsensitiveMultiMap();
        form.forEach((k, v) -> {
            if (v != null) {
                body.add(k, v);
            }
        });
        LogRedactor redactor = LogRedactor.forSecrets(withClientSecret(provider, secrets));
        String url = provider.tokenUrl(config);
        return client.postAbs(url).putHeader("Accept", "application/json").timeout(TIMEOUT_MILLIS)
                .sendForm(body)
                .onFailure().transform(e -> new ProblemException(502, "Bad Gateway", "Could not reach "
                        + provider.name() + "'s token endpoint: " + redactor.redact(String.valueOf(e.getMessage()))))
                .map(response -> read(provider, response, redactor));
    }

    private TokenAnswer read(OAuthProvider provider, HttpResponse<Buffer> response, LogRedactor redactor) {
        String text = response.bodyAsString() == null ? "" : response.bodyAsString();
        if (response.statusCode() / 100 != 2) {
            throw new ProblemException(502, "Bad Gateway", provider.name() + "'s token endpoint answered "
                    + response.statusCode() + ": " + cut(redactor.redact(describeError(text))));
        }
        TokenAnswer answer;
        try {
            answer = json.readValue(text, TokenAnswer.class);
        } catch (java.io.IOException e) {
            throw new ProblemException(502, "Bad Gateway", provider.name() + "'s token endpoint answered "
                    + response.statusCode() + " with a body that is not the expected JSON");
        }
        if (answer.accessToken() == null || answer.accessToken().isBlank()) {
            throw new ProblemException(502, "Bad Gateway", provider.name()
                    + "'s token endpoint answered without an access_token");
        }
        return answer;
    }

    private String describeError(String text) {
        try {
            String described = json.readValue(text, TokenError.class).describe();
            return described.isBlank() ? "(no error description)" : described;
        } catch (java.io.IOException | RuntimeException e) {
            return text.isBlank() ? "(empty body)" : text;
        }
    }

    private List<String> withClientSecret(OAuthProvider provider, List<String> secrets) {
        List<String> all = new ArrayList<>(secrets);
        provider.settings(config).oauth().clientSecret().ifPresent(all::add);
        return all;
    }

    private static String cut(String text) {
        return text.length() <= MAX_ERROR ? text : text.substring(0, MAX_ERROR) + "...";
    }
}
