package dev.slipway.credential.oauth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * A local stand-in for Vercel's and Railway's token endpoints on 127.0.0.1, answering the documented shapes:
 * Vercel's integration code exchange and Railway's authorization code (PKCE S256) and refresh grants. The
 * Railway code the test sends is {@code rw-<code_challenge>}, so the server can check the verifier without
 * sharing state with the test.
 */
public class FakeAuthorizationServer implements QuarkusTestResourceLifecycleManager {

    static final String CLIENT_SECRET = "fake-client-secret-value-0001";
    static final String VERCEL_CODE = "good-vercel-code";
    static final String VERCEL_TOKEN = "vercel_oauth_access_token_00001";
    static final String BAD_CODE = "bad-code-that-expired";
    static final String RAILWAY_ACCESS_1 = "railway_access_token_first_0001";
    static final String RAILWAY_REFRESH_1 = "railway_refresh_token_first_0001";
    static final String RAILWAY_ACCESS_2 = "railway_access_token_second_0002";
    static final String RAILWAY_REFRESH_2 = "railway_refresh_token_second_0002";

    private Vertx vertx;
    private final Set<String> usedRefreshTokens = ConcurrentHashMap.newKeySet();

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(this::handle);
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the fake authorization server did not start", e);
        }
        String base = "http://127.0.0.1:" + server.actualPort();
        return Map.of(
                "slipway.providers.vercel.api-url", base,
                "slipway.providers.vercel.oauth.client-id", "vercel-client",
                "slipway.providers.vercel.oauth.client-secret", CLIENT_SECRET,
                "slipway.providers.vercel.oauth.authorize-url", base + "/vercel/authorize",
                "slipway.providers.railway.api-url", base + "/railway",
                "slipway.providers.railway.oauth.client-id", "railway-client",
                "slipway.providers.railway.oauth.client-secret", CLIENT_SECRET,
                "slipway.providers.railway.oauth.authorize-url", base + "/railway/oauth/auth");
    }

    private void handle(HttpServerRequest request) {
        request.setExpectMultipart(true);
        request.endHandler(x -> {
            var form = request.formAttributes();
            if (!CLIENT_SECRET.equals(form.get("client_secret"))) {
                answer(request, 401, new JsonObject().put("error", "invalid_client"));
            } else if ("/v2/oauth/access_token".equals(request.path())) {
                vercel(request, form.get("code"), form.get("redirect_uri"));
            } else if ("/railway/oauth/token".equals(request.path())) {
                railway(request, form);
            } else {
                answer(request, 404, new JsonObject().put("error", "not_found"));
            }
        });
    }

    private void vercel(HttpServerRequest request, String code, String redirectUri) {
        if (VERCEL_CODE.equals(code) && redirectUri != null && redirectUri.endsWith("/oauth/vercel/callback")) {
            answer(request, 200, new JsonObject().put("token_type", "Bearer").put("access_token", VERCEL_TOKEN)
                    .put("installation_id", "icfg_1").put("user_id", "user_1").put("team_id", "team_fake"));
        } else {
            // Echoes the code, as some servers do, to prove Slipway keeps it out of its own answer.
            answer(request, 400, new JsonObject().put("error", new JsonObject().put("code", "invalid_grant")
                    .put("message", "The code " + code + " is invalid or expired")));
        }
    }

    private void railway(HttpServerRequest request, io.vertx.core.MultiMap form) {
        if ("authorization_code".equals(form.get("grant_type"))) {
            String code = form.get("code");
            String verifier = form.get("code_verifier");
            if (code != null && verifier != null && code.equals("rw-" + challenge(verifier))) {
                answer(request, 200, tokens(RAILWAY_ACCESS_1, RAILWAY_REFRESH_1, 60));
            } else {
                answer(request, 400, new JsonObject().put("error", "invalid_grant")
                        .put("error_description", "PKCE verification failed"));
            }
        } else if ("refresh_token".equals(form.get("grant_type"))
                && RAILWAY_REFRESH_1.equals(form.get("refresh_token"))
                && usedRefreshTokens.add(form.get("refresh_token"))) {
            answer(request, 200, tokens(RAILWAY_ACCESS_2, RAILWAY_REFRESH_2, 3600));
        } else {
            answer(request, 400, new JsonObject().put("error", "invalid_grant"));
        }
    }

    private static JsonObject tokens(String access, String refresh, int expiresIn) {
        return new JsonObject().put("access_token", access).put("refresh_token", refresh)
                .put("expires_in", expiresIn).put("token_type", "Bearer").put("scope", "openid offline_access");
    }

    private static String challenge(String verifier) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void answer(HttpServerRequest request, int status, JsonObject body) {
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close();
        }
    }
}
