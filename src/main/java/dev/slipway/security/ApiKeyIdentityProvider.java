package dev.slipway.security;

import jakarta.enterprise.context.ApplicationScoped;

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
 * One indexed lookup by hash on the reactive client; nothing blocks.
 */
@ApplicationScoped
public class ApiKeyIdentityProvider implements IdentityProvider<TokenAuthenticationRequest> {

    /** Identity attribute holding the API key's id, used to scope idempotency keys. */
    public static final String KEY_ID = "slipway.api-key-id";

    private final Pool pool;

    public ApiKeyIdentityProvider(Pool pool) {
        this.pool = pool;
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
        return pool.preparedQuery("select id, name, role from api_key where key_hash = $1 and revoked_at is null")
                .execute(Tuple.of(ApiKeys.hash(token)))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw new AuthenticationFailedException("unknown or revoked API key");
                    }
                    return identity(rows.iterator().next());
                });
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
