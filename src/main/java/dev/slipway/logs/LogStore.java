package dev.slipway.logs;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** Reads stored log lines; writing happens with the tracker's fenced update (see {@code QueueStore}). */
@ApplicationScoped
public class LogStore {

    private final Pool pool;

    public LogStore(Pool pool) {
        this.pool = pool;
    }

    /** Lines with {@code after < seq <= upTo}, in order, at most {@code limit}. */
    public Uni<List<LogEntry>> read(long deploymentId, long after, long upTo, int limit) {
        return pool.preparedQuery("""
                select seq, at, stream, message from deployment_log
                where deployment_id = $1 and seq > $2 and seq <= $3 order by seq limit $4""")
                .execute(Tuple.of(deploymentId, after, upTo, limit))
                .map(rows -> {
                    List<LogEntry> lines = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        lines.add(new LogEntry(row.getLong("seq"), row.getOffsetDateTime("at").toInstant(),
                                row.getString("stream"), row.getString("message")));
                    }
                    return lines;
                });
    }

    /** Lines after {@code after}, at most {@code limit}. */
    public Uni<List<LogEntry>> read(long deploymentId, long after, int limit) {
        return read(deploymentId, after, Long.MAX_VALUE, limit);
    }
}
