package dev.slipway.credential.oauth;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.slipway.credential.Credential;
import dev.slipway.crypto.Encryption;
import dev.slipway.platform.SlipwayConfig;
import dev.slipway.security.Audit;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Refreshes OAuth access tokens (Railway's last about an hour) before they expire. A credential is claimed
 * for a short while in the database first, so with several replicas only one uses its refresh token, which
 * Railway accepts only once; a claim left by a failed attempt lapses and the next pass tries again.
 */
@ApplicationScoped
public class TokenRefresher {

    /** Tokens expiring within this window are refreshed. */
    static final Duration AHEAD = Duration.ofMinutes(10);
    /** How long one replica's claim on a refresh lasts. */
    static final Duration CLAIM = Duration.ofMinutes(2);

    private final Pool pool;
    private final SlipwayConfig config;
    private final Encryption encryption;
    private final TokenClient tokens;
    private final Audit audit;

    public TokenRefresher(Pool pool, SlipwayConfig config, Encryption encryption, TokenClient tokens, Audit audit) {
        this.pool = pool;
        this.config = config;
        this.encryption = encryption;
        this.tokens = tokens;
        this.audit = audit;
    }

    /** A claimed credential due for a refresh. */
    private record Due(long id, String name, String provider, String refreshToken) {
    }

    @Scheduled(every = "60s", delay = 5, delayUnit = java.util.concurrent.TimeUnit.SECONDS,
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return refreshDue().replaceWithVoid();
    }

    /** Refreshes every due token; answers how many were refreshed. Failures are logged and retried later. */
    public Uni<Integer> refreshDue() {
        return pool.preparedQuery("""
                update credential set refresh_claimed_until = now() + $1 * interval '1 second'
                where refresh_token is not null and source = 'oauth' and provider = 'railway'
                  and expires_at < now() + $2 * interval '1 second'
                  and (refresh_claimed_until is null or refresh_claimed_until < now())
                returning id, name, provider, refresh_token""")
                .execute(Tuple.of(CLAIM.toSeconds(), AHEAD.toSeconds()))
                .map(rows -> {
                    List<Due> due = new java.util.ArrayList<>();
                    for (Row r : rows) {
                        due.add(new Due(r.getLong("id"), r.getString("name"), r.getString("provider"),
                                r.getString("refresh_token")));
                    }
                    return due;
                })
                .onItem().transformToMulti(Multi.createFrom()::iterable)
                .onItem().transformToUniAndConcatenate(d -> refresh(d).onFailure().recoverWithItem(e -> {
                    Log.warnf("credential %s: refreshing the OAuth token failed, retrying later: %s", d.name(),
                            e.getMessage());
                    return false;
                }))
                .collect().asList()
                .map(done -> (int) done.stream().filter(Boolean::booleanValue).count());
    }

    private Uni<Boolean> refresh(Due due) {
        OAuthProvider provider = OAuthProvider.named(due.provider());
        String refreshToken = encryption.open(due.refreshToken(), Credential.refreshContext(due.name()));
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "refresh_token");
        form.put("refresh_token", refreshToken);
        provider.settings(config).oauth().clientId().ifPresent(id -> form.put("client_id", id));
        provider.settings(config).oauth().clientSecret().ifPresent(s -> form.put("client_secret", s));
        return tokens.post(provider, form, List.of(refreshToken)).chain(answer -> save(due, answer));
    }

    /** Stores the new tokens unless the credential changed meanwhile (replaced through the API, say). */
    private Uni<Boolean> save(Due due, TokenAnswer answer) {
        return Panache.withTransaction(() -> Credential.<Credential>findById(due.id()).chain(c -> {
            if (c == null || !due.refreshToken().equals(c.refreshToken)) {
                return Uni.createFrom().item(false);
            }
            c.token = encryption.seal(answer.accessToken(), Credential.tokenContext(c.name));
            c.tokenHint = Credential.hintOf(answer.accessToken());
            // Railway rotates refresh tokens; a provider that does not keeps using the old one.
            if (answer.refreshToken() != null) {
                c.refreshToken = encryption.seal(answer.refreshToken(), Credential.refreshContext(c.name));
            }
            c.refreshClaimedUntil = null;
            return OAuthService.expiry(answer).chain(expires -> dev.slipway.platform.Db.now().invoke(now -> {
                c.expiresAt = expires;
                c.updatedAt = now;
            })).chain(() -> audit.record("system", "credential.oauth-refresh", "credential/" + c.name,
                    "provider " + c.provider)).replaceWith(true);
        })).invoke(done -> {
            if (done) {
                Log.infof("credential %s: OAuth token refreshed", due.name());
            }
        });
    }
}
