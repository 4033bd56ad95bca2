package dev.slipway.security;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import dev.slipway.platform.SlipwayConfig;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Resolves a bearer API key to an identity with the key's role and every role below it.
 * One indexed lookup by hash on the reactive client; nothing blocks. A key that resolved is remembered for
 * {@code slipway.api-key-cache} (5 s), which saves bots that call in bursts a database read per request: a key
 * revoked through this replica stops working at once, through another one within that time.
 */
@ApplicationScoped
public class ApiKeyIdentityProvider implements IdentityProvider<TokenAuthenticationRequest> {

    /** Identity attribute holding the API key's id, used to scope idempotency keys. */
    public static final String KEY_ID = "slipway.api-key-id";

    /** More remembered keys than this and the expired ones are swept out; there are rarely that many. */
    private static final int SWEEP_ABOVE = 1000;

    private final Pool pool;
    private final long cacheNanos;
    /** Resolved identities by key hash; only keys that resolved, so unknown keys always reach the database. */
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    /** Counts {@link #forget} calls: a look-up that overlapped one must not remember what it read. */
    private long forgets;

    public ApiKeyIdentityProvider(Pool pool, SlipwayConfig config) {
        this.pool = pool;
        this.cacheNanos = config.apiKeyCache().toNanos();
    }

    private record Cached(SecurityIdentity identity, long keyId, long until) {
    }

    @Override
    public Class<TokenAuthenticationRequest> getRequestType() {
        return TokenAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(TokenAuthenticationRequest request,
            AuthenticationRequestContext context) {
        String token = request.getToken().getToken();
        if (token == null || !token.startsWith(ApiKeys.PREFIX)) {
            return Uni.createFrom().failure(new AuthenticationFailedException("not a Slipway API key"));
        }
        String hash = ApiKeys.hash(token);
        Cached cached = cache.get(hash);
        long now = System.nanoTime();
        if (cached != null && now - cached.until() < 0) {
            return Uni.createFrom().item(cached.identity());
        }
        long forgetsBefore = forgetsSoFar();
        return pool.preparedQuery("select id, name, role from api_key where key_hash = $1 and revoked_at is null")
                .execute(Tuple.of(hash))
                .map(rows -> {
                    if (rows.size() == 0) {
                        cache.remove(hash);
                        throw new AuthenticationFailedException("unknown or revoked API key");
                    }
                    Row row = rows.iterator().next();
                    SecurityIdentity identity = identity(row);
                    long until = System.nanoTime() + cacheNanos;
                    remember(hash, new Cached(identity, row.getLong("id"), until), forgetsBefore);
                    return identity;
                });
    }

    /** Forgets a key at once, so its revocation holds on this replica without waiting for the cache. */
    public synchronized void forget(long keyId) {
        forgets++;
        cache.values().removeIf(c -> c.keyId() == keyId);
    }

    private synchronized long forgetsSoFar() {
        return forgets;
    }

    private synchronized void remember(String hash, Cached entry, long forgetsBefore) {
        if (cacheNanos <= 0 || forgets != forgetsBefore) {
            return;
        }
        if (cache.size() >= SWEEP_ABOVE) {
            long now = System.nanoTime();
            cache.values().removeIf(c -> now - c.until() >= 0);
        }
        cache.put(hash, entry);
    }

    private static SecurityIdentity identity(Row row) {
        Role role = Role.parse(row.getString("role")).orElse(Role.VIEWER);
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(row.getString("name")))
                .addRoles(role.grantedNames())
                .addAttribute(KEY_ID, row.getLong("id"))
                .build();
    }
}
