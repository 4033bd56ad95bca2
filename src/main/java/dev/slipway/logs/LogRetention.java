package dev.slipway.logs;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;

import dev.slipway.platform.SlipwayConfig;
import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Deletes the log lines of deployments that finished more than {@code slipway.logs.retention} ago. It deletes
 * in batches of {@code slipway.logs.retention-batch} lines, each in its own short transaction that first takes
 * a transaction-scoped advisory lock without waiting: while one replica prunes, the others skip their turn
 * instead of deleting the same rows or queueing behind its locks. The deployments themselves are kept.
 */
@ApplicationScoped
public class LogRetention {

    /** Held by the replica that is pruning; the value only has to differ from Slipway's other locks. */
    static final long LOCK = 0x5157_0006L;

    private final Pool pool;
    private final SlipwayConfig config;

    public LogRetention(Pool pool, SlipwayConfig config) {
        this.pool = pool;
        this.config = config;
    }

    @Scheduled(every = "${slipway.logs.retention-interval:1h}", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return prune().invoke(n -> {
            if (n > 0) {
                Log.infof("Deleted %d log line(s) of deployments finished more than %s ago", n,
                        config.logs().retention());
            }
        }).onFailure().invoke(e -> Log.warnf("Deleting old log lines failed: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Deletes every line that is due, batch after batch; answers how many were deleted here. */
    public Uni<Long> prune() {
        return prune(0);
    }

    private Uni<Long> prune(long deletedSoFar) {
        int batch = Math.max(1, config.logs().retentionBatch());
        return deleteBatch(config.logs().retention(), batch).chain(deleted -> deleted < batch
                ? Uni.createFrom().item(deletedSoFar + Math.max(0, deleted))
                : prune(deletedSoFar + deleted));
    }

    /** One batch in one transaction; -1 when another replica holds the lock. */
    private Uni<Integer> deleteBatch(Duration retention, int batch) {
        return pool.withTransaction(conn -> conn.preparedQuery("select pg_try_advisory_xact_lock($1) as locked")
                .execute(Tuple.of(LOCK))
                .chain(rows -> {
                    if (!rows.iterator().next().getBoolean("locked")) {
                        return Uni.createFrom().item(-1);
                    }
                    return conn.preparedQuery("""
                            delete from deployment_log l using (
                                select g.deployment_id, g.seq from deployment d
                                join deployment_log g on g.deployment_id = d.id
                                where d.finished_at < now() - $1 * interval '1 millisecond'
                                limit $2
                            ) old
                            where l.deployment_id = old.deployment_id and l.seq = old.seq""")
                            .execute(Tuple.of(retention.toMillis(), batch))
                            .map(result -> result.rowCount());
                }));
    }
}
