package dev.slipway.queue;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.deployment.DeploymentStatus;
import dev.slipway.provider.DeploymentProvider.LogLine;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The queue's SQL: claims, fenced progress writes, lease heartbeats, takeovers and hand-backs. Every decision
 * about capacity and ownership is made here, in PostgreSQL, with the database's clock, so it holds with any
 * number of replicas.
 */
@ApplicationScoped
public class QueueStore {

    /** The PostgreSQL channel that carries deployment events (see {@code DeploymentEvents}). */
    public static final String EVENTS_CHANNEL = "slipway_events";
    /** The PostgreSQL channel on which replicas tell each other about leases handed back. */
    public static final String QUEUE_CHANNEL = "slipway_queue";
    /** The notification sent on {@link #QUEUE_CHANNEL} when a stopping replica hands its leases back. */
    public static final String HAND_BACK = "hand-back";
    /** Serialises claims across replicas, so limits are checked and taken in one step. */
    private static final long CLAIM_LOCK = 0x5157_0002L;

    private static final String CLAIM_COLUMNS = """
            d.id, d.lease_epoch, d.provider, p.name as project, p.target, p.repository_url, p.repository_branch,
            d.ref, d.environment, d.status, d.provider_deployment_id, d.log_cursor, d.log_seq, d.started_at,
            d.attempts""";

    private final Pool pool;
    private final ObjectMapper json;

    public QueueStore(Pool pool, ObjectMapper json) {
        this.pool = pool;
        this.json = json;
    }

    /** What one claim pass took, and how many deployments were active across replicas once it had. */
    public record ClaimPass(List<Claim> claims, int active) {
    }

    /**
     * Claims queued deployments while capacity allows: highest priority first, then oldest; never more than
     * {@code maxActive} active in all, {@code providerLimits} per provider, one per project and environment.
     */
    public Uni<ClaimPass> claim(String owner, int maxActive, Map<String, Integer> providerLimits, Duration lease) {
        String[] providers = providerLimits.keySet().toArray(String[]::new);
        Integer[] limits = providerLimits.values().toArray(Integer[]::new);
        String sql = """
                with active as (
                    select provider, count(*) as n from deployment where status in %1$s group by provider
                ), candidate as (
                    select distinct on (d.project_id, d.environment) d.id, d.provider, d.priority
                    from deployment d
                    where d.status = 'QUEUED'
                      and not exists (select 1 from deployment a where a.project_id = d.project_id
                                      and a.environment = d.environment and a.status in %1$s)
                    order by d.project_id, d.environment, d.priority desc, d.id
                ), ranked as (
                    select c.id, c.priority,
                           row_number() over (partition by c.provider order by c.priority desc, c.id) as rank,
                           coalesce(a.n, 0) as provider_active, l.max_active
                    from candidate c
                    join unnest($2::text[], $3::int[]) as l(provider, max_active) on l.provider = c.provider
                    left join active a on a.provider = c.provider
                ), picked as (
                    select id from ranked where provider_active + rank <= max_active
                    order by priority desc, id
                    limit greatest(0, $1 - (select coalesce(sum(n), 0) from active))
                ), claimed as (
                    update deployment d
                    set status = 'STARTING', lease_owner = $4, lease_epoch = d.lease_epoch + 1,
                        lease_expires_at = now() + $5 * interval '1 millisecond', attempts = d.attempts + 1,
                        started_at = now(), updated_at = now(), status_reason = null
                    from picked, project p
                    where d.id = picked.id and p.id = d.project_id and d.status = 'QUEUED'
                    returning %2$s, pg_notify('%3$s', d.id || ':' || d.log_seq || ':STARTING:1')
                )
                -- One row even when nothing was claimed, to carry the count active before this pass.
                select claimed.*, counted.active_before
                from (select coalesce(sum(n), 0)::int as active_before from active) counted
                left join claimed on true
                """.formatted(DeploymentStatus.ACTIVE_SQL, CLAIM_COLUMNS, EVENTS_CHANNEL);
        return pool.withTransaction(conn -> conn.preparedQuery("select pg_advisory_xact_lock($1)")
                .execute(Tuple.of(CLAIM_LOCK))
                .chain(() -> conn.preparedQuery(sql).execute(Tuple.of(maxActive, providers, limits, owner,
                        lease.toMillis())))
                .map(rows -> {
                    List<Claim> claims = claims(rows);
                    int before = rows.iterator().next().getInteger("active_before");
                    return new ClaimPass(claims, before + claims.size());
                }));
    }

    /**
     * Takes over active deployments whose lease expired (their process died) or was handed back (their
     * process stopped). A takeover of an expired lease counts as an attempt; a hand-back does not.
     */
    public Uni<List<Claim>> takeOverExpired(String owner, Duration lease, int limit) {
        String sql = """
                with expired as (
                    select id from deployment
                    where status in %1$s and (lease_expires_at is null or lease_expires_at < now())
                    order by id limit $3 for update skip locked
                )
                update deployment d
                set lease_owner = $1, lease_epoch = d.lease_epoch + 1,
                    lease_expires_at = now() + $2 * interval '1 millisecond',
                    attempts = d.attempts + case when d.lease_owner is null then 0 else 1 end, updated_at = now()
                from expired, project p
                where d.id = expired.id and p.id = d.project_id
                returning %2$s
                """.formatted(DeploymentStatus.ACTIVE_SQL, CLAIM_COLUMNS);
        return pool.preparedQuery(sql).execute(Tuple.of(owner, lease.toMillis(), limit)).map(this::claims);
    }

    /** One fenced step of a tracked deployment; what {@link #advance} writes. */
    public record Progress(DeploymentStatus from, DeploymentStatus to, String reason, String url,
            String providerDeploymentId, List<LogLine> lines, String logCursor, Dropped dropped) {

        public Progress(DeploymentStatus from, DeploymentStatus to, String reason, String url,
                String providerDeploymentId, List<LogLine> lines, String logCursor) {
            this(from, to, reason, url, providerDeploymentId, lines, logCursor, Dropped.NONE);
        }
    }

    /**
     * Lines dropped by this step because the deployment reached its line limit. The marker line at
     * {@code markerSeq} reads {@code marker} with {@link #COUNT} replaced by the deployment's total of dropped
     * lines; the marker is inserted by the step that reaches the limit and rewritten by later steps that drop
     * more, in the same fenced statement, so the count is exact even across takeovers.
     */
    public record Dropped(long markerSeq, String marker, long count) {
        /** Where the total goes in {@code marker}. */
        public static final String COUNT = "{dropped}";
        /** Nothing dropped. */
        public static final Dropped NONE = new Dropped(0, null, 0);
    }

    /** What {@link #advance} found: whether the lease still held, and the deployment's last log seq. */
    public record Advanced(boolean held, long logSeq) {
    }

    /**
     * Writes one step in one statement and one commit: the new status (if it changed), the provider's id,
     * the new log lines with consecutive seq numbers, the log cursor and a renewed lease, then notifies
     * every replica. Nothing is written unless the row still has this epoch and the expected status.
     */
    public Uni<Advanced> advance(long id, long epoch, Progress p, Duration lease) {
        int n = p.lines().size();
        OffsetDateTime[] ats = new OffsetDateTime[n];
        String[] streams = new String[n];
        String[] messages = new String[n];
        for (int i = 0; i < n; i++) {
            LogLine line = p.lines().get(i);
            ats[i] = line.at().atOffset(java.time.ZoneOffset.UTC);
            streams[i] = line.stream();
            messages[i] = line.message();
        }
        boolean finishing = p.to().isTerminal();
        String sql = """
                with d as (
                    update deployment
                    set status = $3, status_reason = coalesce($4, status_reason), url = coalesce($5, url),
                        provider_deployment_id = coalesce($6, provider_deployment_id),
                        log_seq = log_seq + $7, log_cursor = coalesce($8, log_cursor), updated_at = now(),
                        lease_expires_at = case when $11 then null else now() + $12 * interval '1 millisecond' end,
                        lease_owner = case when $11 then null else lease_owner end,
                        finished_at = case when $11 then now() else finished_at end,
                        log_dropped = log_dropped + $16
                    where id = $1 and lease_epoch = $2 and status = $13
                    returning log_seq, log_dropped
                ), lines as (
                    insert into deployment_log (deployment_id, seq, at, stream, message)
                    select $1, d.log_seq - $7 + u.ord, u.at, u.stream,
                           case when d.log_seq - $7 + u.ord = $17
                                then replace(u.message, '%2$s', d.log_dropped::text) else u.message end
                    from d, unnest($9::timestamptz[], $10::text[], $14::text[]) with ordinality
                        as u(at, stream, message, ord)
                ), marker as (
                    -- A marker inserted by this very statement is not visible here, and needs no rewrite.
                    update deployment_log l set message = replace($18, '%2$s', d.log_dropped::text)
                    from d where $16 > 0 and l.deployment_id = $1 and l.seq = $17
                )
                select log_seq, pg_notify('%1$s', $1 || ':' || log_seq || ':' || $3 || ':' || $15) from d
                """.formatted(EVENTS_CHANNEL, Dropped.COUNT);
        Dropped dropped = p.dropped() == null ? Dropped.NONE : p.dropped();
        Tuple args = Tuple.tuple(java.util.Arrays.asList(id, epoch, p.to().name(), p.reason(), p.url(),
                p.providerDeploymentId(), n, p.logCursor(), ats, streams, finishing,
                lease.toMillis(), p.from().name(), messages, p.from() != p.to() ? "1" : "0", dropped.count(),
                dropped.markerSeq(), dropped.marker()));
        return pool.preparedQuery(sql).execute(args).map(rows -> rows.size() == 0 ? new Advanced(false, -1)
                : new Advanced(true, rows.iterator().next().getLong("log_seq")));
    }

    /**
     * Puts a claimed deployment that has not reached its provider back in the queue, as if it had never been
     * claimed (the attempt is not counted, {@code started_at} is cleared), with {@code reason} saying why it
     * waits. Fenced like every write: nothing changes unless the row still has this epoch, is {@code STARTING}
     * and has no provider id. Answers whether it was put back.
     */
    public Uni<Boolean> release(long id, long epoch, String reason) {
        return pool.preparedQuery("""
                update deployment
                set status = 'QUEUED', status_reason = $3, lease_owner = null, lease_expires_at = null,
                    lease_epoch = lease_epoch + 1, attempts = greatest(attempts - 1, 0), started_at = null,
                    updated_at = now()
                where id = $1 and lease_epoch = $2 and status = 'STARTING' and provider_deployment_id is null
                returning pg_notify('%s', id || ':' || log_seq || ':QUEUED:1')""".formatted(EVENTS_CHANNEL))
                .execute(Tuple.of(id, epoch, reason)).map(rows -> rows.rowCount() > 0);
    }

    /** Extends the leases this replica still holds; answers the ids whose lease held. */
    public Uni<List<Long>> heartbeat(String owner, List<Claim> held, Duration lease) {
        if (held.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        Long[] ids = held.stream().map(Claim::id).toArray(Long[]::new);
        Long[] epochs = held.stream().map(Claim::epoch).toArray(Long[]::new);
        return pool.preparedQuery("""
                update deployment d set lease_expires_at = now() + $2 * interval '1 millisecond'
                from unnest($3::bigint[], $4::bigint[]) as h(id, epoch)
                where d.id = h.id and d.lease_epoch = h.epoch and d.lease_owner = $1 and d.status in %s
                returning d.id""".formatted(DeploymentStatus.ACTIVE_SQL))
                .execute(Tuple.of(owner, lease.toMillis(), ids, epochs))
                .map(rows -> {
                    List<Long> kept = new ArrayList<>(rows.size());
                    rows.forEach(r -> kept.add(r.getLong("id")));
                    return kept;
                });
    }

    /**
     * Gives every lease of this replica back and tells the other replicas, so one of them resumes those
     * deployments at once instead of waiting for the leases to expire. The epoch moves on too: a poll still
     * in flight here must not renew a lease it has handed back.
     */
    public Uni<Integer> handBack(String owner) {
        return pool.withTransaction(conn -> conn.preparedQuery("""
                update deployment set lease_owner = null, lease_expires_at = now(), updated_at = now(),
                    lease_epoch = lease_epoch + 1
                where lease_owner = $1 and status in %s""".formatted(DeploymentStatus.ACTIVE_SQL))
                .execute(Tuple.of(owner)).map(RowSet::rowCount)
                .call(n -> n == 0 ? Uni.createFrom().voidItem()
                        : conn.preparedQuery("select pg_notify($1, $2)").execute(Tuple.of(QUEUE_CHANNEL, HAND_BACK))));
    }

    /** Whether the deployment has been cancelled (by a person or a bot), as opposed to taken over or handed back. */
    public Uni<Boolean> isCanceled(long id) {
        return pool.preparedQuery("select status = 'CANCELED' as canceled from deployment where id = $1")
                .execute(Tuple.of(id))
                .map(rows -> rows.size() > 0 && Boolean.TRUE.equals(rows.iterator().next().getBoolean("canceled")));
    }

    /** How many deployments are active and queued right now, across replicas. */
    public Uni<long[]> depth() {
        return pool.query("""
                select count(*) filter (where status in %s) as active,
                       count(*) filter (where status = 'QUEUED') as queued
                from deployment where status in %s""".formatted(DeploymentStatus.ACTIVE_SQL,
                DeploymentStatus.OPEN_SQL))
                .execute().map(rows -> {
                    Row row = rows.iterator().next();
                    return new long[] { row.getLong("active"), row.getLong("queued") };
                });
    }

    private List<Claim> claims(RowSet<Row> rows) {
        List<Claim> claims = new ArrayList<>(rows.size());
        for (Row r : rows) {
            if (r.getValue("id") == null) {
                continue; // the claim pass's row that only carries its count
            }
            OffsetDateTime started = r.getOffsetDateTime("started_at");
            claims.add(new Claim(r.getLong("id"), r.getLong("lease_epoch"), r.getString("provider"),
                    r.getString("project"), readTarget(r.getString("target")), r.getString("repository_url"),
                    r.getString("repository_branch"), r.getString("ref"), r.getString("environment"),
                    DeploymentStatus.valueOf(r.getString("status")), r.getString("provider_deployment_id"),
                    r.getString("log_cursor"), r.getLong("log_seq"), started == null ? null : started.toInstant(),
                    r.getInteger("attempts")));
        }
        return claims;
    }

    private com.fasterxml.jackson.databind.JsonNode readTarget(String target) {
        try {
            return json.readTree(target == null ? "{}" : target);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("A project's stored target is not JSON", e);
        }
    }
}
