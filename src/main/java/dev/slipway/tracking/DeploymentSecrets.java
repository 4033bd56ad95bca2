package dev.slipway.tracking;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;

import dev.slipway.credential.Credential;
import dev.slipway.crypto.Encryption;
import dev.slipway.crypto.SecretException;
import dev.slipway.logs.LogRedactor;
import dev.slipway.project.EnvVar;
import dev.slipway.provider.DeploymentProvider;
import dev.slipway.provider.DeploymentProvider.ProviderCredential;
import dev.slipway.provider.ProviderException;
import dev.slipway.queue.Claim;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Reads and decrypts what a deployment needs at its provider: the project's variables for the deployment's
 * environment and the provider credential. Also builds the redactor that keeps exactly these values out of
 * the deployment's log and status reasons. Plaintext lives only in memory, for as long as the tracker
 * follows the deployment.
 */
@ApplicationScoped
public class DeploymentSecrets {

    private final Pool pool;
    private final Encryption encryption;

    public DeploymentSecrets(Pool pool, Encryption encryption) {
        this.pool = pool;
        this.encryption = encryption;
    }

    /** The decrypted secrets of one deployment and its redactor. */
    public record InPlay(Map<String, String> env, ProviderCredential credential, LogRedactor redactor) {

        @Override
        public String toString() {
            return "InPlay[variables " + env.keySet() + "]";
        }
    }

    /**
     * The secrets of a claimed deployment. Fails with a terminal {@link ProviderException} when a value does
     * not decrypt or a needed credential is missing, since retrying cannot help.
     */
    public Uni<InPlay> load(Claim claim, DeploymentProvider provider) {
        String named = claim.target().path("credential").asText(null);
        String name = named != null ? named : claim.provider();
        // The variables and the credential in one round trip: rows with a key are variables, the row without
        // one (at most one, credential names are unique) is the credential.
        return pool.preparedQuery("""
                select e.project_id, e.key, e.value, null::text as provider, null::text as team_id,
                       null::text as owner_id
                from project_env e join project p on p.id = e.project_id
                where p.name = $1 and case when $2 = 'production' then e.production else e.preview end
                union all
                select null, null, c.token, c.provider, c.team_id, c.owner_id from credential c where c.name = $3""")
                .execute(Tuple.of(claim.project(), claim.environment(), name))
                .map(rows -> {
                    Map<String, String> env = new TreeMap<>();
                    Row credentialRow = null;
                    for (Row row : rows) {
                        String key = row.getString("key");
                        if (key == null) {
                            credentialRow = row;
                        } else {
                            env.put(key, decrypt(row.getString("value"),
                                    EnvVar.context(row.getLong("project_id"), key)));
                        }
                    }
                    ProviderCredential credential = credential(claim.provider(), provider, named, name,
                            credentialRow, "value");
                    List<String> values = new ArrayList<>(env.values());
                    if (credential != null) {
                        values.add(credential.token());
                    }
                    return new InPlay(Map.copyOf(env), credential, LogRedactor.forSecrets(values));
                });
    }

    /**
     * The credential a deployment of {@code providerName} with {@code target} acts with: the one the target
     * names, else the one named after the provider. Null when the provider needs none and none is stored; a
     * missing or mismatched credential fails with a terminal {@link ProviderException}.
     */
    public Uni<ProviderCredential> credential(String providerName, JsonNode target, DeploymentProvider provider) {
        String named = target.path("credential").asText(null);
        String name = named != null ? named : providerName;
        return pool.preparedQuery("select provider, token, team_id, owner_id from credential where name = $1")
                .execute(Tuple.of(name))
                .map(rows -> credential(providerName, provider, named, name,
                        rows.size() == 0 ? null : rows.iterator().next(), "token"));
    }

    /** The credential from its row ({@code null} when none is stored), with the checks {@link #credential} names. */
    private ProviderCredential credential(String providerName, DeploymentProvider provider, String named, String name,
            Row row, String tokenColumn) {
        if (row == null) {
            if (named != null || provider.needsCredential()) {
                throw ProviderException.terminal("no credential named '" + name + "' exists; store the "
                        + providerName + " token with PUT /api/v1/credentials/" + name);
            }
            return null;
        }
        if (!providerName.equals(row.getString("provider"))) {
            throw ProviderException.terminal("credential '" + name + "' is for " + row.getString("provider")
                    + ", not " + providerName);
        }
        return new ProviderCredential(name, providerName, decrypt(row.getString(tokenColumn),
                Credential.tokenContext(name)), row.getString("team_id"), row.getString("owner_id"));
    }

    private String decrypt(String stored, dev.slipway.crypto.SecretContext context) {
        try {
            return encryption.open(stored, context);
        } catch (SecretException e) {
            throw ProviderException.terminal("a secret could not be decrypted: " + e.getMessage());
        }
    }
}
