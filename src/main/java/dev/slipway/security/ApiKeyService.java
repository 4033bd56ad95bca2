package dev.slipway.security;

import java.util.List;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.slipway.platform.ProblemException;
import dev.slipway.platform.Validator;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.logging.Log;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Creating, listing and revoking API keys. */
@ApplicationScoped
public class ApiKeyService {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9 ._@-]{0,99}");

    private final Audit audit;
    private final ApiKeyIdentityProvider identities;

    public ApiKeyService(Audit audit, ApiKeyIdentityProvider identities) {
        this.audit = audit;
        this.identities = identities;
    }

    /** A new key and the only moment its secret exists outside the caller. */
    public record Created(ApiKey key, String secret) {
    }

    @WithTransaction
    public Uni<Created> create(String name, String role, SecurityIdentity who) {
        Validator v = new Validator();
        if (v.required(name, "name")) {
            v.matches(name, NAME, "name", "must be 1-100 letters, digits, spaces or ._@- and start with a letter or digit");
        }
        if (v.required(role, "role")) {
            v.check(Role.parse(role).isPresent(), "role", "must be one of viewer, deployer, admin");
        }
        v.throwIfInvalid();
        String secret = ApiKeys.generate();
        ApiKey key = new ApiKey();
        key.name = name;
        key.role = role;
        key.prefix = ApiKeys.visiblePrefix(secret);
        key.keyHash = ApiKeys.hash(secret);
        return key.<ApiKey>persistAndFlush()
                .call(saved -> audit.record(who, "api-key.create", "api-key/" + saved.id, "role " + role))
                .invoke(saved -> Log.infof("API key %d (%s, %s) created by %s", saved.id, name, role,
                        Audit.actorOf(who)))
                .map(saved -> new Created(saved, secret));
    }

    @WithSession
    public Uni<List<ApiKey>> page(int page, int size) {
        return ApiKey.<ApiKey>find("revokedAt is null", Sort.ascending("id")).page(Page.of(page, size)).list();
    }

    @WithSession
    public Uni<Long> count() {
        return ApiKey.count("revokedAt is null");
    }

    /**
     * Revokes a key at once; it stays in the table so the audit log keeps making sense. This replica forgets
     * the key after the commit, so it stops working here at once (elsewhere within {@code slipway.api-key-cache}).
     */
    public Uni<Void> revoke(long id, SecurityIdentity who) {
        return Panache.withTransaction(() -> ApiKey.<ApiKey>find("id = ?1 and revokedAt is null", id).firstResult()
                .onItem().ifNull().failWith(() -> ProblemException.notFound("API key " + id))
                .call(key -> ApiKey.update("revokedAt = current_timestamp where id = ?1", id))
                .call(key -> audit.record(who, "api-key.revoke", "api-key/" + id, null))
                .invoke(key -> Log.infof("API key %d (%s) revoked by %s", id, key.name, Audit.actorOf(who))))
                .invoke(() -> identities.forget(id))
                .replaceWithVoid();
    }
}
