package dev.slipway.credential;

import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.slipway.crypto.Encryption;
import dev.slipway.platform.Db;
import dev.slipway.platform.ProblemException;
import dev.slipway.platform.Validator;
import dev.slipway.project.ProjectService;
import dev.slipway.provider.ProviderRegistry;
import dev.slipway.security.Audit;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.logging.Log;
import io.quarkus.panache.common.Sort;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Provider credentials: validation, encryption of the token, storage and audit. */
@ApplicationScoped
public class CredentialService {

    /** Longest token accepted; real provider tokens are far shorter. */
    static final int MAX_TOKEN_LENGTH = 8192;

    private final ProviderRegistry providers;
    private final Encryption encryption;
    private final Audit audit;

    public CredentialService(ProviderRegistry providers, Encryption encryption, Audit audit) {
        this.providers = providers;
        this.encryption = encryption;
        this.audit = audit;
    }

    /** What a client sends to store a credential. */
    public record Changes(String provider, String token, String teamId, String ownerId) {

        @Override
        public String toString() {
            // Never the token, should a request ever be logged.
            return "Changes[provider=" + provider + ", teamId=" + teamId + ", ownerId=" + ownerId + "]";
        }
    }

    /** A stored credential and whether this request created it. */
    public record Saved(Credential credential, boolean created) {
    }

    /** Creates or replaces the credential {@code name}; a token put through the API has source {@code api}. */
    @WithTransaction
    public Uni<Saved> put(String name, Changes c, SecurityIdentity who) {
        Validator v = new Validator();
        v.matches(name, ProjectService.NAME, "name", "must be 1-63 lowercase letters, digits or dashes, "
                + "starting and ending with a letter or digit");
        boolean hasProvider = v.required(c.provider(), "provider");
        if (v.required(c.token(), "token")) {
            v.check(c.token().length() <= MAX_TOKEN_LENGTH, "token", "must be at most " + MAX_TOKEN_LENGTH
                    + " characters");
            v.check(c.token().strip().equals(c.token()), "token", "must not start or end with whitespace");
        }
        v.check(c.teamId() == null || c.teamId().length() <= 200, "teamId", "must be at most 200 characters");
        v.check(c.ownerId() == null || c.ownerId().length() <= 200, "ownerId", "must be at most 200 characters");
        v.throwIfInvalid();
        if (hasProvider && !providers.isKnown(c.provider())) {
            throw ProblemException.unprocessable("Unknown provider '" + c.provider()
                    + "'; use one of vercel, railway, render, simulator");
        }
        return save(name, c.provider(), c.token(), null, null, c.teamId(), c.ownerId(), Credential.SOURCE_API)
                .call(saved -> audit.record(who, "credential.put", "credential/" + name,
                        "provider " + c.provider() + (saved.created() ? ", created" : ", replaced")))
                .invoke(saved -> Log.infof("credential %s (%s) %s by %s", name, c.provider(),
                        saved.created() ? "created" : "replaced", Audit.actorOf(who)));
    }

    /**
     * Stores a token (and refresh token) in the credential {@code name}, creating or replacing it. Needs a
     * transaction; the caller audits.
     */
    public Uni<Saved> save(String name, String provider, String token, String refreshToken, Instant expiresAt,
            String teamId, String ownerId, String source) {
        return Credential.<Credential>find("name", name).firstResult().chain(existing -> {
            Credential cred = existing != null ? existing : new Credential();
            cred.name = name;
            cred.provider = provider;
            cred.token = encryption.seal(token, Credential.tokenContext(name));
            cred.tokenHint = Credential.hintOf(token);
            cred.refreshToken = refreshToken == null ? null
                    : encryption.seal(refreshToken, Credential.refreshContext(name));
            cred.expiresAt = expiresAt;
            cred.refreshClaimedUntil = null;
            cred.teamId = teamId;
            cred.ownerId = ownerId;
            cred.source = source;
            return Db.now().invoke(now -> {
                if (existing == null) {
                    cred.createdAt = now;
                }
                cred.updatedAt = now;
            }).chain(() -> cred.<Credential>persistAndFlush()).map(c -> new Saved(c, existing == null));
        });
    }

    @WithSession
    public Uni<List<Credential>> list() {
        return Credential.<Credential>findAll(Sort.ascending("name")).list();
    }

    @WithSession
    public Uni<Credential> get(String name) {
        return find(name);
    }

    @WithTransaction
    public Uni<Void> delete(String name, SecurityIdentity who) {
        return find(name).chain(c -> c.delete()
                .call(() -> audit.record(who, "credential.delete", "credential/" + name, "provider " + c.provider))
                .invoke(() -> Log.infof("credential %s deleted by %s", name, Audit.actorOf(who))));
    }

    private static Uni<Credential> find(String name) {
        return Credential.<Credential>find("name", name).firstResult()
                .onItem().ifNull().failWith(() -> ProblemException.notFound("Credential '" + name + "'"));
    }
}
