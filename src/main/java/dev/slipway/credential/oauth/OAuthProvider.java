package dev.slipway.credential.oauth;

import java.util.Optional;

import dev.slipway.platform.ProblemException;
import dev.slipway.platform.SlipwayConfig;

/**
 * The providers Slipway can connect to through OAuth, with the parts of their flows that differ: Vercel's
 * integration code exchange, and Railway's authorization code with PKCE and refresh tokens.
 *
 * @param name            the provider's name, also the name of the credential a connect stores
 * @param defaultApiUrl   the real API base URL; token endpoints live under the configured one
 * @param tokenPath       the token endpoint's path under the API URL
 * @param defaultAuthorize the real authorize page
 * @param pkce            whether the flow uses PKCE (S256) and refresh tokens
 * @param defaultScope    the scopes asked for when none are configured, or null to send none
 */
public record OAuthProvider(String name, String defaultApiUrl, String tokenPath, String defaultAuthorize,
        boolean pkce, String defaultScope) {

    /** Vercel integrations: the code is exchanged once for a long-lived token and the team it may act for. */
    public static final OAuthProvider VERCEL = new OAuthProvider("vercel", "https://api.vercel.com",
            "/v2/oauth/access_token", "https://vercel.com/oauth/authorize", false, null);

    /** Railway: PKCE S256, an access token of about an hour and a rotating refresh token. */
    public static final OAuthProvider RAILWAY = new OAuthProvider("railway", "https://backboard.railway.com",
            "/oauth/token", "https://backboard.railway.com/oauth/auth", true,
            "openid offline_access workspace:member");

    /** The provider named in a path, or a 422 problem. */
    public static OAuthProvider named(String name) {
        return switch (name) {
            case "vercel" -> VERCEL;
            case "railway" -> RAILWAY;
            case "render", "simulator" -> throw ProblemException.unprocessable(name + " has no OAuth connect; "
                    + "store a token with PUT /api/v1/credentials/" + name);
            default -> throw ProblemException.unprocessable("Unknown provider '" + name
                    + "'; OAuth connect exists for vercel and railway");
        };
    }

    /** The token endpoint under the configured (or real) API URL. */
    public String tokenUrl(SlipwayConfig config) {
        String base = settings(config).apiUrl().orElse(defaultApiUrl);
        return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + tokenPath;
    }

    /** The authorize page, configured or real. */
    public String authorizeUrl(SlipwayConfig config) {
        return settings(config).oauth().authorizeUrl().orElse(defaultAuthorize);
    }

    /** The scopes to ask for, if any. */
    public Optional<String> scope(SlipwayConfig config) {
        return settings(config).oauth().scope().or(() -> Optional.ofNullable(defaultScope));
    }

    /** This provider's settings. */
    public SlipwayConfig.Provider settings(SlipwayConfig config) {
        return config.providers().named(name);
    }
}
