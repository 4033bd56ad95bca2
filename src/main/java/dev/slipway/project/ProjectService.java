package dev.slipway.project;

import java.util.List;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.slipway.deployment.DeploymentStatus;
import dev.slipway.platform.Db;
import dev.slipway.platform.ProblemException;
import dev.slipway.platform.Validator;
import dev.slipway.provider.ProviderRegistry;
import dev.slipway.security.Audit;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.logging.Log;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Projects: validation, storage and the rules around deleting them. */
@ApplicationScoped
public class ProjectService {

    /** Lowercase letters, digits and dashes, 1 to 63 characters, no leading or trailing dash. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern BRANCH = Pattern.compile("[^\\s~^:?*\\[\\\\]{1,255}");

    private final ProviderRegistry providers;
    private final Audit audit;
    private final ObjectMapper json;

    public ProjectService(ProviderRegistry providers, Audit audit, ObjectMapper json) {
        this.providers = providers;
        this.audit = audit;
        this.json = json;
    }

    /** What a client sends to create or change a project. */
    public record Changes(String name, String provider, JsonNode target, Repository repository) {
    }

    /** Where a project's source lives. */
    public record Repository(String url, String branch) {
    }

    @WithTransaction
    public Uni<Project> create(Changes c, SecurityIdentity who) {
        Validator v = new Validator();
        if (v.required(c.name(), "name")) {
            v.matches(c.name(), NAME, "name", "must be 1-63 lowercase letters, digits or dashes, "
                    + "starting and ending with a letter or digit");
        }
        boolean hasProvider = v.required(c.provider(), "provider");
        JsonNode target = c.target() == null || c.target().isNull() ? json.createObjectNode() : c.target();
        v.check(target.isObject(), "target", "must be a JSON object");
        validateRepository(v, c.repository());
        v.throwIfInvalid();
        if (hasProvider && !providers.isKnown(c.provider())) {
            throw ProblemException.unprocessable("Unknown provider '" + c.provider()
                    + "'; use one of vercel, railway, render, simulator");
        }
        checkTarget(c.provider(), target);
        return Project.count("name", c.name()).chain(n -> {
            if (n > 0) {
                throw ProblemException.conflict("A project named '" + c.name() + "' already exists");
            }
            Project p = new Project();
            p.name = c.name();
            p.provider = c.provider();
            p.target = write(target);
            applyRepository(p, c.repository());
            return Db.now().invoke(now -> {
                p.createdAt = now;
                p.updatedAt = now;
            }).chain(() -> p.<Project>persistAndFlush())
                    .call(saved -> audit.record(who, "project.create", "project/" + saved.name,
                            "provider " + saved.provider))
                    .invoke(saved -> Log.infof("project %s (%s) created by %s", saved.name, saved.provider,
                            Audit.actorOf(who)));
        });
    }

    /** Changes a project's target and repository; its name and provider are fixed once created. */
    @WithTransaction
    public Uni<Project> update(String name, Changes c, SecurityIdentity who) {
        Validator v = new Validator();
        v.check(c.name() == null || c.name().equals(name), "name", "cannot be changed");
        v.check(c.provider() == null, "provider", "cannot be changed; create a new project instead");
        v.check(c.target() == null || c.target().isObject(), "target", "must be a JSON object");
        validateRepository(v, c.repository());
        v.throwIfInvalid();
        return find(name).chain(p -> {
            if (c.target() != null) {
                checkTarget(p.provider, c.target());
                p.target = write(c.target());
            }
            if (c.repository() != null) {
                applyRepository(p, c.repository());
            }
            return Db.now().invoke(now -> p.updatedAt = now).chain(() -> p.<Project>persistAndFlush())
                    .call(saved -> audit.record(who, "project.update", "project/" + name, null));
        });
    }

    /** Deletes a project with its finished deployments and logs; refused while any deployment is open. */
    @WithTransaction
    public Uni<Void> delete(String name, SecurityIdentity who) {
        return find(name).chain(p -> Panache.getSession()
                .chain(s -> s.createNativeQuery("select count(*) from deployment where project_id = ?1 "
                        + "and status in " + DeploymentStatus.OPEN_SQL, Long.class).setParameter(1, p.id)
                        .getSingleResult())
                .chain(open -> {
                    if (open > 0) {
                        throw ProblemException.conflict("Project '" + name + "' has " + open
                                + " queued or running deployment(s); cancel them first");
                    }
                    return p.delete();
                })
                .call(() -> audit.record(who, "project.delete", "project/" + name, null))
                .invoke(() -> Log.infof("project %s deleted by %s", name, Audit.actorOf(who))));
    }

    @WithSession
    public Uni<Project> get(String name) {
        return find(name);
    }

    @WithSession
    public Uni<List<Project>> page(int page, int size) {
        return Project.<Project>findAll(Sort.ascending("name")).page(Page.of(page, size)).list();
    }

    @WithSession
    public Uni<Long> count() {
        return Project.count();
    }

    /** The project named {@code name}, or a 404 problem. Needs a session. */
    public Uni<Project> find(String name) {
        return Project.<Project>find("name", name).firstResult()
                .onItem().ifNull().failWith(() -> ProblemException.notFound("Project '" + name + "'"));
    }

    /** A project's target as JSON. */
    public JsonNode target(Project p) {
        try {
            return json.readTree(p.target);
        } catch (JsonProcessingException e) {
            return json.createObjectNode();
        }
    }

    private void checkTarget(String provider, JsonNode target) {
        if (!target.isObject()) {
            return;
        }
        var errors = providers.validateTarget(provider, target);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
    }

    private static void validateRepository(Validator v, Repository r) {
        if (r == null) {
            return;
        }
        if (v.required(r.url(), "repository.url")) {
            v.check(r.url().matches("(https://|git@|ssh://)\\S+") && r.url().length() <= 500, "repository.url",
                    "must be an https://, ssh:// or git@ URL of at most 500 characters");
        }
        v.matches(r.branch(), BRANCH, "repository.branch", "must be a valid git branch name");
    }

    private static void applyRepository(Project p, Repository r) {
        p.repositoryUrl = r == null ? null : r.url();
        p.repositoryBranch = r == null ? null : r.branch();
    }

    private String write(JsonNode target) {
        try {
            return json.writeValueAsString(target instanceof ObjectNode ? target : json.createObjectNode());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
