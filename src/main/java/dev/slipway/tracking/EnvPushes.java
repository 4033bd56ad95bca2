package dev.slipway.tracking;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import dev.slipway.crypto.Encryption;
import dev.slipway.provider.DeploymentProvider;
import dev.slipway.provider.DeploymentProvider.ProviderCredential;
import dev.slipway.provider.DeploymentProvider.Trigger;
import dev.slipway.queue.Claim;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Pushes a project's variables to its provider before a deployment is triggered, but only when what would be sent
 * differs from the last push that succeeded to the same destination ({@link DeploymentProvider#envDestination}):
 * a Render service deployed as preview and as production gets each environment's variables pushed again. What was sent is
 * remembered as a keyed fingerprint ({@link Encryption#fingerprint}): a plain hash of a short value such as
 * {@code true} or a port number could be reversed by guessing, a fingerprint cannot without the keyring.
 * <p>
 * Pushes only set and update variables. A variable deleted in Slipway stays at the provider, and an edit made at
 * the provider directly goes unnoticed until Slipway's own variables change.
 */
@ApplicationScoped
public class EnvPushes {

    static final String PURPOSE = "provider env push";

    private final Pool pool;
    private final Encryption encryption;

    public EnvPushes(Pool pool, Encryption encryption) {
        this.pool = pool;
        this.encryption = encryption;
    }

    /**
     * Pushes {@code trigger}'s variables through {@code provider} unless the last recorded push sent the same, then
     * records it. Fails like {@link DeploymentProvider#pushEnv}; nothing is recorded then, so the next attempt
     * pushes again.
     */
    public Uni<Void> pushIfChanged(Claim claim, DeploymentProvider provider, Trigger trigger) {
        // With nothing to set there is nothing to send: deletions are not pushed.
        if (!provider.pushesEnv() || trigger.env().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String destination = provider.envDestination(trigger);
        String fingerprint = fingerprint(provider.name(), trigger);
        return last(provider.name(), destination).chain(last -> {
            if (fingerprint.equals(last)) {
                Log.debugf("deployment %s on %s: variables unchanged since the last push", claim.publicId(),
                        provider.name());
                return Uni.createFrom().voidItem();
            }
            return provider.pushEnv(trigger)
                    .invoke(() -> Log.infof("deployment %s on %s: pushed %d variable(s) for %s", claim.publicId(),
                            provider.name(), trigger.env().size(), trigger.environment()))
                    .chain(() -> record(provider.name(), destination, fingerprint));
        });
    }

    private Uni<String> last(String provider, String destination) {
        return pool.preparedQuery("select fingerprint from provider_env_push where provider = $1 and destination = $2")
                .execute(Tuple.of(provider, destination))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getString("fingerprint"));
    }

    /** An upsert: a later push to the same destination simply replaces the fingerprint. */
    private Uni<Void> record(String provider, String destination, String fingerprint) {
        return pool.preparedQuery("""
                insert into provider_env_push (provider, destination, fingerprint, pushed_at)
                values ($1, $2, $3, now())
                on conflict (provider, destination)
                do update set fingerprint = excluded.fingerprint, pushed_at = excluded.pushed_at""")
                .execute(Tuple.of(provider, destination, fingerprint))
                .replaceWithVoid();
    }

    /**
     * Everything that decides where the variables land and what they are: the provider, the target (its JSON as
     * stored, so reordering its fields costs one extra push), the credential's team and owner, and the variables
     * sorted by key. Each part is length-prefixed, so no two different inputs encode alike.
     */
    String fingerprint(String provider, Trigger trigger) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProviderCredential credential = trigger.credential();
        part(out, provider);
        part(out, trigger.target().toString());
        part(out, credential == null ? null : credential.name());
        part(out, credential == null ? null : credential.teamId());
        part(out, credential == null ? null : credential.ownerId());
        for (Map.Entry<String, String> e : new TreeMap<>(trigger.env()).entrySet()) {
            part(out, e.getKey());
            part(out, e.getValue());
        }
        return encryption.fingerprint(PURPOSE, out.toByteArray());
    }

    /** A part as its length (-1 for none) and its UTF-8 bytes. */
    private static void part(ByteArrayOutputStream out, String text) {
        byte[] bytes = text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
        int n = text == null ? -1 : bytes.length;
        out.write(n >>> 24);
        out.write(n >>> 16);
        out.write(n >>> 8);
        out.write(n);
        out.writeBytes(bytes);
    }
}
