package dev.slipway.credential.oauth;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import dev.slipway.credential.Credential;
import dev.slipway.credential.CredentialService;
import dev.slipway.crypto.Encryption;
import dev.slipway.crypto.SecretContext;
import dev.slipway.platform.ProblemException;
import dev.slipway.platform.SlipwayConfig;
import dev.slipway.security.Audit;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The OAuth connect flows. {@link #start} stores a single-use state (only its SHA-256, and for PKCE the
 * verifier, encrypted) valid for 10 minutes and answers the authorize URL; {@link #callback} consumes the
 * state before anything else, exchanges the code, and stores the token as the credential named after the
 * provider with source {@code oauth}.
 */
@ApplicationScoped
public class OAuthService {

    /** How long a started connect may take to come back. */
    public static final Duration STATE_LIFETIME = Duration.ofMinutes(10);

    private final Pool pool;
    private final SlipwayConfig config;
    private final Encryption encryption;
    private final TokenClient tokens;
    private final CredentialService credentials;
    private final Audit audit;
    private final SecureRandom random = new SecureRandom();

    public OAuthService(Pool pool, SlipwayConfig config, Encryption encryption, TokenClient tokens,
            CredentialService credentials, Audit audit) {
        this.pool = pool;
        this.config = config;
        this.encryption = encryption;
        this.tokens = tokens;
        this.credentials = credentials;
        this.audit = audit;
    }

    /** Starts a connect: answers where to send the browser. {@code baseUri} is this request's base. */
    public Uni<URI> start(String providerName, URI baseUri, SecurityIdentity who) {
        OAuthProvider provider = OAuthProvider.named(providerName);
        String clientId = clientId(provider);
        String state = randomToken();
        String verifier = provider.pkce() ? randomToken() : null;
        String hash = sha256Hex(state);
        String redirect = redirectUri(provider, baseUri);
        String sealedVerifier = verifier == null ? null : encryption.seal(verifier, verifierContext(hash));
        return pool.preparedQuery("delete from oauth_state where expires_at < now()").execute()
                .chain(() -> pool.preparedQuery("""
                        insert into oauth_state
                            (state_hash, provider, redirect_uri, code_verifier, created_by, expires_at)
                        values ($1, $2, $3, $4, $5, now() + $6 * interval '1 second')""")
                        .execute(Tuple.tuple(java.util.Arrays.asList(hash, provider.name(), redirect, sealedVerifier,
                                Audit.actorOf(who), STATE_LIFETIME.toSeconds()))))
                .map(x -> {
                    Map<String, String> params = new LinkedHashMap<>();
                    params.put("response_type", "code");
                    params.put("client_id", clientId);
                    params.put("redirect_uri", redirect);
                    provider.scope(config).ifPresent(scope -> params.put("scope", scope));
                    params.put("state", state);
                    if (verifier != null) {
                        params.put("code_challenge", base64Url(sha256(verifier)));
                        params.put("code_challenge_method", "S256");
                        // Railway issues a refresh token for offline_access only after explicit consent.
                        params.put("prompt", "consent");
                    }
                    Log.infof("OAuth connect to %s started by %s", provider.name(), Audit.actorOf(who));
                    return URI.create(withQuery(provider.authorizeUrl(config), params));
                });
    }

    /** What a consumed state held. */
    private record Started(String hash, String redirectUri, String verifier, String startedBy) {
    }

    /** Finishes a connect: consumes the state, exchanges the code, stores the credential. */
    public Uni<Credential> callback(String providerName, String code, String state, String error) {
        OAuthProvider provider = OAuthProvider.named(providerName);
        if (state == null || state.isBlank()) {
            throw badState("The callback has no state; start the connect again at /oauth/" + provider.name()
                    + "/start");
        }
        return consume(provider, state).chain(started -> {
            if (error != null && !error.isBlank()) {
                throw new ProblemException(400, "Bad Request", provider.name() + " did not grant access: "
                        + cut(error) + "; nothing was stored");
            }
            if (code == null || code.isBlank()) {
                throw new ProblemException(400, "Bad Request", "The callback has no code; nothing was stored");
            }
            return exchange(provider, code, started).chain(answer -> store(provider, answer, started));
        });
    }

    /** Deletes the state row in its own statement, so a state works once even when the exchange fails. */
    private Uni<Started> consume(OAuthProvider provider, String state) {
        String hash = sha256Hex(state);
        return pool.preparedQuery("""
                delete from oauth_state where state_hash = $1 and provider = $2
                returning redirect_uri, code_verifier, created_by, expires_at > now() as fresh""")
                .execute(Tuple.of(hash, provider.name()))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw badState("Unknown or already used state; start the connect again at /oauth/"
                                + provider.name() + "/start");
                    }
                    Row row = rows.iterator().next();
                    if (!row.getBoolean("fresh")) {
                        throw badState("The state expired (a connect must finish within "
                                + STATE_LIFETIME.toMinutes() + " minutes); start again at /oauth/" + provider.name()
                                + "/start");
                    }
                    String verifier = row.getString("code_verifier");
                    return new Started(hash, row.getString("redirect_uri"),
                            verifier == null ? null : encryption.open(verifier, verifierContext(hash)),
                            row.getString("created_by"));
                });
    }

    private Uni<TokenAnswer> exchange(OAuthProvider provider, String code, Started started) {
        Map<String, String> form = new LinkedHashMap<>();
        List<String> secrets = new ArrayList<>(List.of(code));
        if (provider.pkce()) {
            form.put("grant_type", "authorization_code");
            form.put("code_verifier", started.verifier());
            secrets.add(started.verifier());
        }
        form.put("client_id", clientId(provider));
        provider.settings(config).oauth().clientSecret().ifPresent(s -> form.put("client_secret", s));
        form.put("code", code);
        form.put("redirect_uri", started.redirectUri());
        return tokens.post(provider, form, secrets);
    }

    private Uni<Credential> store(OAuthProvider provider, TokenAnswer answer, Started started) {
        return Panache.withTransaction(() -> expiry(answer).chain(expires -> credentials.save(provider.name(),
                provider.name(), answer.accessToken(), answer.refreshToken(), expires, answer.teamId(), null,
                Credential.SOURCE_OAUTH))
                .call(saved -> audit.record(started.startedBy(), "credential.oauth-connect",
                        "credential/" + provider.name(), "provider " + provider.name()
                                + (saved.created() ? ", created" : ", replaced")))
                .map(CredentialService.Saved::credential))
                .invoke(c -> Log.infof("credential %s connected through OAuth (started by %s)", c.name,
                        started.startedBy()));
    }

    /** When the access token expires, from the database clock; null when the provider gave no lifetime. */
    static Uni<Instant> expiry(TokenAnswer answer) {
        if (answer.expiresIn() == null) {
            return Uni.createFrom().nullItem();
        }
        return dev.slipway.platform.Db.now().map(now -> now.plusSeconds(answer.expiresIn()));
    }

    private String clientId(OAuthProvider provider) {
        return provider.settings(config).oauth().clientId().filter(id -> !id.isBlank())
                .orElseThrow(() -> new ProblemException(409, "Conflict", "OAuth connect to " + provider.name()
                        + " is not configured; set SLIPWAY_PROVIDERS_" + provider.name().toUpperCase()
                        + "_OAUTH_CLIENT_ID and _OAUTH_CLIENT_SECRET"));
    }

    private String redirectUri(OAuthProvider provider, URI baseUri) {
        String base = config.publicUrl().orElse(baseUri.toString());
        return (base.endsWith("/") ? base : base + "/") + "oauth/" + provider.name() + "/callback";
    }

    /** The associated data of a PKCE verifier: bound to its state. */
    public static SecretContext verifierContext(String stateHash) {
        return new SecretContext("oauth_state", stateHash, "code_verifier");
    }

    private static ProblemException badState(String detail) {
        return new ProblemException(400, "Bad Request", detail);
    }

    private String randomToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return base64Url(bytes);
    }

    private static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256Hex(String text) {
        return HexFormat.of().formatHex(sha256(text));
    }

    private static String withQuery(String url, Map<String, String> params) {
        String query = params.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return url + (url.contains("?") ? "&" : "?") + query;
    }

    private static String cut(String text) {
        String safe = text.replaceAll("[^A-Za-z0-9 _.:-]", "");
        return safe.length() <= 100 ? safe : safe.substring(0, 100);
    }
}
