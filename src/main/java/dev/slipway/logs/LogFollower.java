package dev.slipway.logs;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import dev.slipway.deployment.DeploymentStatus;
import dev.slipway.platform.ProblemException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Follows one deployment's log for a live viewer: the stored lines after {@code after}, then new lines and
 * status changes as they are committed (on any replica), then an {@code end} message once the deployment is
 * finished. Each viewer tracks the last seq it sent and reads from the database up to the seq an event
 * announced, so it never skips or repeats a line, also while history and live lines overlap.
 */
@ApplicationScoped
public class LogFollower {

    /** Lines read from the database per query. */
    static final int PAGE = 1000;
    /** Messages a slow viewer may have waiting before it is cut off. */
    public static final int BUFFER = 20_000;

    private final Pool pool;
    private final LogStore logs;
    private final DeploymentEvents events;

    public LogFollower(Pool pool, LogStore logs, DeploymentEvents events) {
        this.pool = pool;
        this.logs = logs;
        this.events = events;
    }

    /** The live stream of one deployment; fails with a 404 problem if it does not exist. */
    public Multi<StreamMessage> follow(long deploymentId, long after) {
        return Multi.createFrom().<StreamMessage>emitter(emitter -> new Viewer(deploymentId, after, emitter).start())
                .onOverflow().buffer(BUFFER);
    }

    /** The state of a deployment as a stream needs it. */
    private record Snapshot(DeploymentStatus status, String reason, long logSeq) {
    }

    private Uni<Snapshot> snapshot(long id) {
        return pool.preparedQuery("select status, status_reason, log_seq from deployment where id = $1")
                .execute(Tuple.of(id)).map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("Deployment d-" + id);
                    }
                    Row r = rows.iterator().next();
                    return new Snapshot(DeploymentStatus.valueOf(r.getString("status")),
                            r.getString("status_reason"), r.getLong("log_seq"));
                });
    }

    /** One viewer's position. Catch-ups run one at a time; events during one fold into one more. */
    private final class Viewer {
        private final long id;
        private final String publicId;
        private final MultiEmitter<? super StreamMessage> emitter;
        private final AtomicBoolean running = new AtomicBoolean();
        private final AtomicBoolean pending = new AtomicBoolean();
        private long lastSent;
        private DeploymentStatus lastStatus;
        private Runnable unsubscribe = () -> { };
        private volatile boolean done;

        Viewer(long id, long after, MultiEmitter<? super StreamMessage> emitter) {
            this.id = id;
            this.publicId = "d-" + id;
            this.lastSent = Math.max(0, after);
            this.emitter = emitter;
        }

        void start() {
            // Subscribe before the first read, so nothing committed in between goes unheard.
            unsubscribe = events.subscribe(id, event -> catchUp());
            emitter.onTermination(this::close);
            catchUp();
        }

        private void close() {
            done = true;
            unsubscribe.run();
        }

        private void catchUp() {
            if (done) {
                return;
            }
            if (!running.compareAndSet(false, true)) {
                pending.set(true);
                return;
            }
            snapshot(id).chain(this::sendUpTo).subscribe().with(x -> {
                running.set(false);
                if (pending.getAndSet(false)) {
                    catchUp();
                }
            }, e -> {
                close();
                emitter.fail(e);
            });
        }

        private Uni<Void> sendUpTo(Snapshot snapshot) {
            if (done) {
                return Uni.createFrom().voidItem();
            }
            if (lastSent >= snapshot.logSeq()) {
                announce(snapshot);
                return Uni.createFrom().voidItem();
            }
            return logs.read(id, lastSent, snapshot.logSeq(), PAGE).chain(lines -> {
                if (lines.isEmpty()) {
                    // Lines pruned by retention leave nothing to send; the status still matters.
                    announce(snapshot);
                    return Uni.createFrom().voidItem();
                }
                send(lines);
                return sendUpTo(snapshot);
            });
        }

        private void send(List<LogEntry> lines) {
            for (LogEntry line : lines) {
                if (line.seq() > lastSent && !done) {
                    emitter.emit(StreamMessage.log(line));
                    lastSent = line.seq();
                }
            }
        }

        private void announce(Snapshot snapshot) {
            if (snapshot.status() != lastStatus) {
                lastStatus = snapshot.status();
                emitter.emit(StreamMessage.status(publicId, snapshot.status().name(), snapshot.reason()));
            }
            if (snapshot.status().isTerminal()) {
                emitter.emit(StreamMessage.end(publicId, snapshot.status().name(), snapshot.reason()));
                close();
                emitter.complete();
            }
        }
    }
}
