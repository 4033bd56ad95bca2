package dev.slipway.deployment;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import dev.slipway.platform.Db;
import dev.slipway.platform.ProblemException;
import dev.slipway.platform.SlipwayConfig;
import dev.slipway.platform.Validator;
import dev.slipway.project.Project;
import dev.slipway.project.ProjectService;
import dev.slipway.provider.DeploymentProvider;
import dev.slipway.provider.ProviderRegistry;
import dev.slipway.queue.BrokerRequests;
import dev.slipway.queue.DeploymentRequest;
import dev.slipway.queue.QueueStore;
import dev.slipway.security.ApiKeyIdentityProvider;
import dev.slipway.security.Audit;
import dev.slipway.tracking.DeploymentSecrets;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.logging.Log;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Deployment requests: validation, idempotency, superseding, cancellation and queries. A new deployment is
 * committed as QUEUED before the dispatcher hears of it, so nothing accepted is ever lost.
 */
@ApplicationScoped
public class DeploymentService {

    /** How long an idempotency key answers with the deployment it first created. */
    public static final Duration IDEMPOTENCY_WINDOW = Duration.ofHours(24);
    private static final Pattern REF = Pattern.compile("[^\\s~^:?*\\[\\\\]{1,255}");
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");

    private final ProviderRegistry providers;
    private final ProjectService projects;
    private final Audit audit;
    private final MutinyEmitter<DeploymentRequest> requests;
    private final BrokerRequests brokerRequests;
    private final boolean useBroker;
    private final MeterRegistry metrics;
    private final DeploymentSecrets secrets;
    private final Pool pool;
    /** The providers this build has an adapter for: a deployment of any other cannot be queued. */
    private final String[] adapters;

    public DeploymentService(ProviderRegistry providers, ProjectService projects, Audit audit, Pool pool,
            @Channel("deployment-requests") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
            MutinyEmitter<DeploymentRequest> requests,
            BrokerRequests brokerRequests,
            SlipwayConfig config, MeterRegistry metrics, DeploymentSecrets secrets) {
        this.secrets = secrets;
        this.pool = pool;
        this.adapters = ProviderRegistry.KNOWN.stream().filter(p -> providers.adapter(p).isPresent())
                .sorted().toArray(String[]::new);
        this.brokerRequests = brokerRequests;
        this.useBroker = config.queue().broker();
        this.providers = providers;
        this.projects = projects;
        this.audit = audit;
        this.requests = requests;
        this.metrics = metrics;
    }

    /** What a client asks for. */
    public record Request(String project, String environment, String ref, String priority, Boolean supersede) {
    }

    /** A deployment as created, and whether it was an earlier one answered again for an idempotency key. */
    public record Created(Deployment deployment, String project, boolean replayed) {
    }

    /** Validates, stores as QUEUED, supersedes older queued ones, then wakes the dispatcher. */
    public Uni<Created> create(Request r, String idempotencyKey, SecurityIdentity who) {
        Validator v = new Validator();
        v.required(r.project(), "project");
        v.check(r.environment() == null || r.environment().equals("production") || r.environment().equals("preview"),
                "environment", "must be \"production\" or \"preview\"");
        v.matches(r.ref(), REF, "ref", "must be a branch, tag or commit: 1-255 characters, no spaces");
        v.check(r.priority() == null || Priority.parse(r.priority()).isPresent(), "priority",
                "must be one of low, normal, high, urgent");
        v.matches(idempotencyKey, IDEMPOTENCY_KEY, "Idempotency-Key", "must be 1-255 visible ASCII characters");
        v.throwIfInvalid();
        Request normalized = new Request(r.project(), r.environment() == null ? "production" : r.environment(),
                r.ref(), r.priority() == null ? "normal" : r.priority(), r.supersede() == null || r.supersede());
        return store(normalized, idempotencyKey, who)
                // Two requests with one key at once: the unique index lets one insert win; the other replays it.
                .onFailure(DeploymentService::isIdempotencyRace)
                .recoverWithUni(() -> store(normalized, idempotencyKey, who))
                .invoke(created -> {
                    if (!created.replayed()) {
                        wake(created.deployment());
                    }
                });
    }

    private Uni<Created> store(Request r, String key, SecurityIdentity who) {
        Long owner = who.getAttribute(ApiKeyIdentityProvider.KEY_ID);
        String hash = hash(r);
        Uni<Created> earlier = key == null ? Uni.createFrom().nullItem() : replay(owner, key, hash, r.project());
        return earlier.chain(found -> found != null ? Uni.createFrom().item(found) : insert(r, key, owner, hash, who));
    }

    private Uni<Created> replay(Long owner, String key, String hash, String projectName) {
        // The window is judged by the database clock, which also wrote created_at: replicas' clocks may differ.
        return pool.preparedQuery("""
                select *, created_at < now() - $3 * interval '1 millisecond' as expired
                from deployment where idempotency_owner = $1 and idempotency_key = $2""")
                .execute(Tuple.of(owner, key, IDEMPOTENCY_WINDOW.toMillis())).chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().nullItem();
                    }
                    Row row = rows.iterator().next();
                    Deployment existing = read(row);
                    if (row.getBoolean("expired")) {
                        // Expired: the key is free again.
                        return pool.preparedQuery("update deployment set idempotency_key = null where id = $1")
                                .execute(Tuple.of(existing.id)).replaceWith((Created) null);
                    }
                    if (!hash.equals(existing.requestHash)) {
                        throw ProblemException.conflict("Idempotency-Key '" + key
                                + "' was already used with a different request (deployment " + existing.publicId()
                                + ")");
                    }
                    return Uni.createFrom().item(new Created(existing, projectName, true));
                });
    }

    /**
     * One statement, so one round trip and one commit: the project look-up, the QUEUED row, the cancelling of
     * older queued deployments of the same project and environment (when superseding), the audit entry and
     * the notifications all commit together, before the client hears 202. No row comes back when the
     * project does not exist; a row without a deployment when its provider has no adapter.
     */
    private static final String INSERT = """
            with p as (
                select id, name, provider, repository_branch from project where name = $1
            ), d as (
                insert into deployment (project_id, provider, environment, ref, priority, status, idempotency_key,
                                        idempotency_owner, request_hash, created_by, created_at)
                select p.id, p.provider, $2, coalesce($3, p.repository_branch), $4, 'QUEUED', $5, $6, $7, $8, now()
                from p where p.provider = any($9::text[])
                returning *
            ), superseded as (
                update deployment o
                set status = 'CANCELED', status_reason = 'superseded by %2$s' || d.id, finished_at = now(),
                    updated_at = now()
                from d
                where $10 and o.project_id = d.project_id and o.environment = d.environment
                  and o.status = 'QUEUED' and o.id < d.id
                returning o.id, pg_notify('%1$s', o.id || ':0:CANCELED:1')
            ), audit as (
                insert into audit_event (actor, action, target, detail)
                select $8, 'deployment.create', '%2$s' || d.id,
                       p.name || ' ' || d.environment || coalesce(' ' || d.ref, '')
                from d, p
            )
            select p.provider as project_provider, d.*,
                   case when d.id is null then null else pg_notify('%1$s', d.id || ':0:QUEUED:1') end as notified,
                   (select array_agg(id order by id) from superseded) as superseded
            from p left join d on true
            """.formatted(QueueStore.EVENTS_CHANNEL, Deployment.ID_PREFIX);

    /** Serialises creates that may supersede each other: one lock per project and environment, until commit. */
    private static final String CREATE_LOCK = "select pg_advisory_xact_lock(" + 0x534C5743
            + ", hashtext($1 || '/' || $2))";

    private Uni<Created> insert(Request r, String key, Long owner, String hash, SecurityIdentity who) {
        short priority = (short) Priority.parse(r.priority()).orElse(Priority.NORMAL).ordinal();
        String actor = Audit.actorOf(who);
        boolean supersede = Boolean.TRUE.equals(r.supersede());
        Tuple args = Tuple.tuple(java.util.Arrays.asList(r.project(), r.environment(), r.ref(), priority, key,
                key == null ? null : owner, hash, actor, adapters, supersede));
        // Two creates for one project and environment at once would each miss the other's row in their snapshot
        // and neither supersede the other; a lock per pair, taken before the statement, serialises them.
        Uni<io.vertx.mutiny.sqlclient.RowSet<Row>> inserted = supersede
                ? pool.withTransaction(conn -> conn.preparedQuery(CREATE_LOCK)
                        .execute(Tuple.of(r.project(), r.environment()))
                        .chain(() -> conn.preparedQuery(INSERT).execute(args)))
                : pool.preparedQuery(INSERT).execute(args);
        return inserted.map(rows -> {
            if (rows.size() == 0) {
                throw ProblemException.unprocessable("Project '" + r.project() + "' does not exist");
            }
            Row row = rows.iterator().next();
            if (row.getLong("id") == null) {
                throw ProblemException.unprocessable("Provider '" + row.getString("project_provider")
                        + "' has no adapter in this version of Slipway yet");
            }
            Deployment saved = read(row);
            Long[] superseded = row.getArrayOfLongs("superseded");
            if (superseded != null) {
                for (Long id : superseded) {
                    Log.infof("deployment d-%d on %s: QUEUED -> CANCELED (superseded by %s)", id, saved.provider,
                            saved.publicId());
                }
            }
            Log.infof("deployment %s on %s: queued (%s %s, priority %s) by %s", saved.publicId(), saved.provider,
                    r.project(), saved.environment, r.priority(), saved.createdBy);
            return new Created(saved, r.project(), false);
        });
    }

    /** A deployment row as read by plain SQL; the entity is detached and serves only to answer. */
    private static Deployment read(Row row) {
        Deployment d = new Deployment();
        d.id = row.getLong("id");
        d.projectId = row.getLong("project_id");
        d.provider = row.getString("provider");
        d.environment = row.getString("environment");
        d.ref = row.getString("ref");
        d.priority = row.getShort("priority");
        d.status = DeploymentStatus.valueOf(row.getString("status"));
        d.statusReason = row.getString("status_reason");
        d.providerDeploymentId = row.getString("provider_deployment_id");
        d.url = row.getString("url");
        d.attempts = row.getInteger("attempts");
        d.idempotencyKey = row.getString("idempotency_key");
        d.idempotencyOwner = row.getLong("idempotency_owner");
        d.requestHash = row.getString("request_hash");
        d.createdBy = row.getString("created_by");
        d.leaseOwner = row.getString("lease_owner");
        d.leaseEpoch = row.getLong("lease_epoch");
        d.logSeq = row.getLong("log_seq");
        d.logCursor = row.getString("log_cursor");
        d.createdAt = instant(row, "created_at");
        d.startedAt = instant(row, "started_at");
        d.finishedAt = instant(row, "finished_at");
        d.updatedAt = instant(row, "updated_at");
        d.leaseExpiresAt = instant(row, "lease_expires_at");
        return d;
    }

    private static Instant instant(Row row, String column) {
        java.time.OffsetDateTime at = row.getOffsetDateTime(column);
        return at == null ? null : at.toInstant();
    }

    /** Announces a status change to every replica when the transaction commits. */
    static Uni<Void> notifyStatus(long id, long logSeq, DeploymentStatus status) {
        return Panache.getSession().chain(s -> s.createNativeQuery(
                "select count(*) from (select pg_notify(?1, ?2)) as n", Long.class)
                .setParameter(1, QueueStore.EVENTS_CHANNEL)
                .setParameter(2, id + ":" + logSeq + ":" + status.name() + ":1")
                .getSingleResult()).replaceWithVoid();
    }

    private void wake(Deployment d) {
        try {
            DeploymentRequest request = new DeploymentRequest(d.id, d.priority);
            if (useBroker) {
                brokerRequests.send(request);
            } else {
                requests.sendAndForget(request);
            }
        } catch (RuntimeException e) {
            // The row is queued either way; the next recovery pass starts it.
            Log.debugf("deployment %s: dispatcher not woken (%s)", d.publicId(), e.getMessage());
        }
    }

    /** Cancels a queued or running deployment; a finished one answers 409. */
    public Uni<Deployment> cancel(String publicId, SecurityIdentity who) {
        long id = parse(publicId);
        String reason = "canceled by " + Audit.actorOf(who);
        return Panache.withTransaction(() -> Deployment.<Deployment>findById(id).chain(d -> {
            if (d == null) {
                throw ProblemException.notFound("Deployment " + publicId);
            }
            if (d.status.isTerminal()) {
                throw ProblemException.conflict("Deployment " + publicId + " already finished as " + d.status);
            }
            DeploymentStatus was = d.status;
            // Bumping the epoch fences out the replica tracking it: its next write changes nothing.
            return Deployment.update("status = ?1, statusReason = ?2, finishedAt = current_timestamp, "
                    + "updatedAt = current_timestamp, leaseOwner = null, leaseExpiresAt = null, "
                    + "leaseEpoch = leaseEpoch + 1 where id = ?3 and status = ?4",
                    DeploymentStatus.CANCELED, reason, id, was).chain(n -> {
                        if (n == 0) {
                            throw ProblemException.conflict("Deployment " + publicId
                                    + " changed while being cancelled; look at it and try again");
                        }
                        return notifyStatus(id, d.logSeq, DeploymentStatus.CANCELED)
                                .call(() -> audit.record(who, "deployment.cancel", publicId, "was " + was))
                                .call(() -> answerAsCancelled(d, reason))
                                .invoke(() -> Log.infof("deployment %s on %s: %s -> CANCELED (%s)", publicId,
                                        d.provider, was, reason))
                                .invoke(() -> {
                                    if (was.isActive()) {
                                        metrics.counter("slipway_deployments_finished", "provider", d.provider,
                                                "status", "CANCELED").increment();
                                    }
                                })
                                .replaceWith(d);
                    });
        })).call(d -> cancelAtProvider(d))
                // A cancelled active deployment frees capacity that a queued one may be waiting for.
                .invoke(this::wake);
    }

    /**
     * Makes {@code d} say what the update just stored, without reading it again: the update ran in SQL, so the
     * entity is detached first (Hibernate would otherwise write its fields back), and {@code now()} in this
     * transaction is the very {@code current_timestamp} the update used.
     */
    private static Uni<Void> answerAsCancelled(Deployment d, String reason) {
        return Panache.getSession().invoke(s -> s.detach(d)).chain(Db::now).invoke(now -> {
            d.status = DeploymentStatus.CANCELED;
            d.statusReason = reason;
            d.finishedAt = now;
            d.updatedAt = now;
            d.leaseOwner = null;
            d.leaseExpiresAt = null;
            d.leaseEpoch = d.leaseEpoch + 1;
        }).replaceWithVoid();
    }

    /** Best effort: the provider keeps building otherwise, but the deployment is cancelled for Slipway either way. */
    private Uni<Void> cancelAtProvider(Deployment d) {
        DeploymentProvider provider = providers.adapter(d.provider).orElse(null);
        if (provider == null || d.providerDeploymentId == null) {
            return Uni.createFrom().voidItem();
        }
        // The cancel acts with the same credential as the deployment did, since a real provider checks it.
        return Panache.withSession(() -> Project.<Project>findById(d.projectId))
                .chain(p -> secrets.credential(d.provider, projects.target(p), provider)
                        .chain(credential -> provider.cancel(new DeploymentProvider.Ref(d.id, d.publicId(),
                                projects.target(p), d.providerDeploymentId, d.startedAt, credential))))
                .onFailure().invoke(e -> Log.warnf("deployment %s on %s: cancel at the provider failed: %s",
                        d.publicId(), d.provider, e.getMessage()))
                .onFailure().recoverWithNull();
    }

    /** Queues a new deployment of the same project, environment, ref and priority. */
    public Uni<Created> redeploy(String publicId, SecurityIdentity who) {
        long id = parse(publicId);
        return Panache.withSession(() -> Deployment.<Deployment>findById(id).chain(d -> {
            if (d == null) {
                throw ProblemException.notFound("Deployment " + publicId);
            }
            return Project.<Project>findById(d.projectId).map(p -> new Request(p.name, d.environment, d.ref,
                    Priority.ofLevel(d.priority).apiName(), true));
        })).chain(request -> create(request, null, who));
    }

    @WithSession
    public Uni<Deployment> get(String publicId) {
        long id = parse(publicId);
        return Deployment.<Deployment>findById(id)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("Deployment " + publicId));
    }

    /** Filters of the deployment list; each may be null. */
    public record Filter(String project, String status, String provider, String environment) {
    }

    /** One page of deployments, newest first, with the names of their projects. */
    @WithSession
    public Uni<Listing> list(Filter f, int page, int size) {
        Validator v = new Validator();
        v.check(f.status() == null || isStatus(f.status()), "status", "must be one of " + List.of(
                DeploymentStatus.values()));
        v.check(f.provider() == null || providers.isKnown(f.provider()), "provider",
                "must be one of vercel, railway, render, simulator");
        v.check(f.environment() == null || List.of("production", "preview").contains(f.environment()),
                "environment", "must be \"production\" or \"preview\"");
        v.throwIfInvalid();
        List<String> where = new ArrayList<>();
        Parameters params = new Parameters();
        if (f.project() != null) {
            where.add("projectId in (select p.id from Project p where p.name = :project)");
            params.and("project", f.project());
        }
        if (f.status() != null) {
            where.add("status = :status");
            params.and("status", DeploymentStatus.valueOf(f.status()));
        }
        if (f.provider() != null) {
            where.add("provider = :provider");
            params.and("provider", f.provider());
        }
        if (f.environment() != null) {
            where.add("environment = :environment");
            params.and("environment", f.environment());
        }
        String query = where.isEmpty() ? "" : String.join(" and ", where);
        var find = Deployment.<Deployment>find(query, Sort.descending("id"), params);
        return find.page(Page.of(page, size)).list().chain(items -> find.count().chain(total -> names(items)
                .map(names -> new Listing(items, names, total))));
    }

    /** A page of deployments with their project names by project id. */
    public record Listing(List<Deployment> items, Map<Long, String> projectNames, long total) {
    }

    /** Project names of some deployments. Needs a session. */
    public Uni<Map<Long, String>> names(List<Deployment> items) {
        List<Long> ids = items.stream().map(d -> d.projectId).distinct().toList();
        if (ids.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return Project.<Project>list("id in ?1", ids).map(ps -> {
            Map<Long, String> names = new HashMap<>();
            ps.forEach(p -> names.put(p.id, p.name));
            return names;
        });
    }

    private static boolean isStatus(String s) {
        for (DeploymentStatus status : DeploymentStatus.values()) {
            if (status.name().equals(s)) {
                return true;
            }
        }
        return false;
    }

    /** Parses an API id; an id that cannot exist is simply not found. */
    public static long parse(String publicId) {
        return Deployment.parseId(publicId)
                .orElseThrow(() -> ProblemException.notFound("Deployment " + publicId));
    }

    private static boolean isIdempotencyRace(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("deployment_idempotency")) {
                return true;
            }
        }
        return false;
    }

    private static String hash(Request r) {
        String canonical = String.join("\u0000", r.project(), r.environment(), String.valueOf(r.ref()),
                r.priority(), String.valueOf(r.supersede()));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
