package dev.slipway.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import dev.slipway.platform.SlipwayConfig;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;

/**
 * Makes sure an admin key exists. {@code SLIPWAY_ADMIN_TOKEN} is registered if it is not known yet; with no
 * token and no key at all, one is generated and printed once. An advisory lock keeps replicas that start
 * together from creating two.
 */
@ApplicationScoped
public class AdminBootstrap {

    private static final long LOCK = 0x5157_0001L;

    private final SlipwayConfig config;
    private final Audit audit;

    public AdminBootstrap(SlipwayConfig config, Audit audit) {
        this.config = config;
        this.audit = audit;
    }

    void onStart(@Observes StartupEvent event) throws Throwable {
        // Start-up runs on the main thread, where waiting is allowed; the work itself runs on a Vert.x context.
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(this::ensureAdmin));
    }

    private Uni<Void> ensureAdmin() {
        return Panache.getSession()
                .chain(s -> s.createNativeQuery("select pg_advisory_xact_lock(" + LOCK + ")").getSingleResult())
                .chain(() -> config.adminToken().filter(t -> !t.isBlank())
                        .map(this::registerConfigured)
                        .orElseGet(this::generateIfNone));
    }

    private Uni<Void> registerConfigured(String token) {
        if (!token.startsWith(ApiKeys.PREFIX) || token.length() < ApiKeys.PREFIX.length() + 16) {
            throw new IllegalStateException("SLIPWAY_ADMIN_TOKEN must start with '" + ApiKeys.PREFIX
                    + "' followed by at least 16 characters");
        }
        String hash = ApiKeys.hash(token);
        return ApiKey.count("keyHash", hash).chain(n -> n > 0 ? Uni.createFrom().voidItem()
                : insert("bootstrap admin", token).invoke(() -> Log.info("Registered SLIPWAY_ADMIN_TOKEN as an admin API key")));
    }

    private Uni<Void> generateIfNone() {
        return ApiKey.count().chain(n -> {
            if (n > 0) {
                return Uni.createFrom().voidItem();
            }
            String token = ApiKeys.generate();
            return insert("bootstrap admin", token).invoke(() -> Log.infof(
                    "No API key existed, so an admin key was generated. It is shown this once; keep it safe:%n%n    %s%n",
                    token));
        });
    }

    private Uni<Void> insert(String name, String token) {
        ApiKey key = new ApiKey();
        key.name = name;
        key.role = Role.ADMIN.apiName();
        key.prefix = ApiKeys.visiblePrefix(token);
        key.keyHash = ApiKeys.hash(token);
        return key.persist().call(() -> audit.record("system", "api-key.create", "api-key/bootstrap", "role admin"))
                .replaceWithVoid();
    }
}
