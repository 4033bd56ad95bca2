package dev.slipway.project;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.slipway.crypto.Encryption;
import dev.slipway.platform.Db;
import dev.slipway.platform.ProblemException;
import dev.slipway.platform.Validator;
import dev.slipway.security.Audit;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.logging.Log;
import io.quarkus.panache.common.Sort;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** A project's environment variables: validation, encryption, storage and audit. Values never leave here. */
@ApplicationScoped
public class EnvService {

    /** Variable names: an uppercase letter or underscore, then uppercase letters, digits or underscores. */
    public static final Pattern KEY = Pattern.compile("[A-Z_][A-Z0-9_]{0,255}");
    /** The rule of {@link #KEY} in words, as bad requests are told it. */
    public static final String KEY_RULE = "must match [A-Z_][A-Z0-9_]*: uppercase letters, digits and underscores, "
            + "not starting with a digit, at most 256 characters";
    /** Largest value accepted, in UTF-8 bytes (64 KiB). */
    public static final int MAX_VALUE_BYTES = 64 * 1024;
    private static final Set<String> TARGETS = Set.of("production", "preview");

    private final ProjectService projects;
    private final Encryption encryption;
    private final Audit audit;

    public EnvService(ProjectService projects, Encryption encryption, Audit audit) {
        this.projects = projects;
        this.encryption = encryption;
        this.audit = audit;
    }

    /** What a client sends to set a variable; {@code targets} defaults to both environments. */
    public record Changes(String value, List<String> targets) {

        @Override
        public String toString() {
            return "Changes[targets=" + targets + "]";
        }
    }

    /** A stored variable and whether this request created it. */
    public record Saved(EnvVar variable, boolean created) {
    }

    /** Creates or replaces the variable {@code key} of the project {@code name}. */
    @WithTransaction
    public Uni<Saved> put(String name, String key, Changes c, SecurityIdentity who) {
        Validator v = new Validator();
        v.matches(key, KEY, "key", KEY_RULE);
        v.check(c.value() != null, "value", "is required");
        v.check(c.targets() == null || !c.targets().isEmpty() && TARGETS.containsAll(c.targets()), "targets",
                "must be a non-empty subset of [\"production\", \"preview\"]");
        v.throwIfInvalid();
        int bytes = c.value().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_VALUE_BYTES) {
            throw new ProblemException(413, "Content Too Large", "The value of " + key + " is " + bytes
                    + " bytes; values may be at most " + MAX_VALUE_BYTES + " bytes (64 KiB)");
        }
        List<String> targets = c.targets() == null ? List.of("production", "preview") : c.targets();
        return projects.find(name).chain(p -> EnvVar.<EnvVar>find("projectId = ?1 and key = ?2", p.id, key)
                .firstResult().chain(existing -> {
                    EnvVar e = existing != null ? existing : new EnvVar();
                    e.projectId = p.id;
                    e.key = key;
                    e.value = encryption.seal(c.value(), EnvVar.context(p.id, key));
                    e.production = targets.contains("production");
                    e.preview = targets.contains("preview");
                    return Db.now().invoke(now -> {
                        if (existing == null) {
                            e.createdAt = now;
                        }
                        e.updatedAt = now;
                    }).chain(() -> e.<EnvVar>persistAndFlush()).map(saved -> new Saved(saved, existing == null));
                }))
                .call(saved -> audit.record(who, "env.put", "project/" + name + "/env/" + key,
                        "targets " + String.join(",", saved.variable().targets())
                                + (saved.created() ? ", created" : ", replaced")))
                .invoke(saved -> Log.infof("project %s: variable %s %s by %s", name, key,
                        saved.created() ? "created" : "replaced", Audit.actorOf(who)));
    }

    /** The project's variables (values stay encrypted), by key. */
    @WithSession
    public Uni<List<EnvVar>> list(String name) {
        return projects.find(name).chain(p -> EnvVar.<EnvVar>find("projectId", Sort.ascending("key"), p.id).list());
    }

    @WithTransaction
    public Uni<Void> delete(String name, String key, SecurityIdentity who) {
        return projects.find(name).chain(p -> EnvVar.<EnvVar>find("projectId = ?1 and key = ?2", p.id, key)
                .firstResult()
                .onItem().ifNull().failWith(() -> ProblemException.notFound("Variable " + key + " of project '"
                        + name + "'"))
                .chain(e -> e.delete()))
                .call(() -> audit.record(who, "env.delete", "project/" + name + "/env/" + key, null))
                .invoke(() -> Log.infof("project %s: variable %s deleted by %s", name, key, Audit.actorOf(who)));
    }
}
