package dev.slipway.logs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.deployment.DeploymentStatus;
import dev.slipway.platform.ProblemException;
import dev.slipway.platform.SlipwayConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Shares one read of the database per notification among all viewers of a deployment on this replica.
 *
 * <p>While a deployment has viewers here, its {@link Channel} listens for its notifications, reads the new
 * lines once (and, on a status change, the status and reason), encodes them to JSON once and keeps the most
 * recent {@code slipway.logs.send-buffer} of them in a ring. Each {@link LogViewer} walks that ring at the
 * pace of its own connection. A viewer that needs lines the ring does not hold (history, or a join in the
 * middle of a burst) reads them from the database itself, then continues from the ring, so every viewer gets
 * every line once and in order. A viewer that already followed the ring and falls more than the ring's length
 * behind cannot keep up: it is told to reconnect with its last seq, which costs nothing to anyone else.
 */
@ApplicationScoped
public class LogFanout {

    /** Lines read from the database per query, at most. */
    static final int PAGE = 1000;
    /**
     * How long a channel waits before reading again after a read failed. Without a retry its viewers would wait
     * for the next notification, and a deployment that has finished sends none.
     */
    static final long RETRY_MILLIS = 1000;

    private final Pool pool;
    private final io.vertx.core.Vertx timers;
    private final LogStore logs;
    private final DeploymentEvents events;
    private final ObjectMapper json;
    private final int ringSize;
    private final int page;
    private final Counter cut;
    private final Map<Long, Channel> channels = new ConcurrentHashMap<>();

    public LogFanout(Pool pool, LogStore logs, DeploymentEvents events, ObjectMapper json, SlipwayConfig config,
            MeterRegistry metrics, io.vertx.core.Vertx timers) {
        this.pool = pool;
        this.timers = timers;
        this.logs = logs;
        this.events = events;
        this.json = json;
        this.ringSize = Math.max(2, config.logs().sendBuffer());
        // A page must fit the ring with room to spare, or publishing one page would cut viewers that kept up.
        this.page = Math.min(PAGE, ringSize / 2);
        this.cut = Counter.builder("slipway_log_viewers_too_slow")
                .description("Live log viewers closed because they fell too far behind")
                .register(metrics);
        events.onReconnect(() -> channels.values().forEach(Channel::resync));
    }

    /**
     * Starts sending deployment {@code deploymentId}'s log after seq {@code after} to {@code sink}; answers the
     * viewer, whose {@link LogViewer#stop()} ends it early.
     */
    public LogViewer watch(long deploymentId, long after, LogViewer.Sink sink) {
        LogViewer[] viewer = new LogViewer[1];
        Channel channel = channels.compute(deploymentId, (id, existing) -> {
            Channel c = existing != null ? existing : new Channel(id);
            viewer[0] = c.join(after, sink);
            return c;
        });
        channel.startIfNew();
        viewer[0].pump();
        return viewer[0];
    }

    String encode(StreamMessage message) {
        try {
            return json.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    Uni<List<LogEntry>> read(long deploymentId, long after, long upTo) {
        return logs.read(deploymentId, after, upTo, page);
    }

    /** One stored line, encoded once for every viewer. */
    record Line(long seq, StreamMessage message, String json) {
    }

    /** A status every viewer sends after it has sent the lines up to {@code afterSeq}. */
    record Mark(long afterSeq, DeploymentStatus status, StreamMessage message, String json) {
    }

    /**
     * The replica's shared view of one deployment's log. All fields are guarded by the channel's monitor, held
     * only for in-memory steps, never across I/O.
     */
    final class Channel {
        private final long id;
        private final Line[] ring = new Line[ringSize];
        private final Set<LogViewer> viewers = ConcurrentHashMap.newKeySet();
        private final List<Mark> marks = new ArrayList<>();
        private Runnable unsubscribe;
        private boolean started;
        /** Highest seq read and published; -1 until the first read. */
        private long head = -1;
        /** Lowest seq the ring holds without a gap (head + 1 when empty). */
        private long low;
        /** Highest seq the ring dropped for lack of room; viewers still needing it fell too far behind. */
        private long evicted;
        /** Highest seq a notification announced. */
        private long target;
        private boolean statusDirty = true;
        private boolean reading;
        private boolean again;
        private ProblemException missing;

        Channel(long id) {
            this.id = id;
        }

        /** Called inside the map's compute, so a channel never gains a viewer after it was removed. */
        LogViewer join(long after, LogViewer.Sink sink) {
            LogViewer viewer;
            synchronized (this) {
                // A new viewer hears the latest status (and the end, if any), not every status before it.
                int latest = marks.size() - 1;
                if (latest > 0 && "end".equals(marks.get(latest).message().type())) {
                    latest--;
                }
                viewer = new LogViewer(this, after, Math.max(0, latest), sink);
            }
            viewers.add(viewer);
            return viewer;
        }

        void startIfNew() {
            synchronized (this) {
                if (started) {
                    return;
                }
                started = true;
            }
            // Subscribe before the first read, so nothing committed in between goes unheard.
            unsubscribe = events.subscribe(id, this::onEvent);
            refresh();
        }

        void leave(LogViewer viewer) {
            channels.computeIfPresent(id, (key, c) -> {
                viewers.remove(viewer);
                // The map may already hold a newer channel of the same deployment; that one is not ours to end.
                if (c != this || !viewers.isEmpty()) {
                    return c;
                }
                if (unsubscribe != null) {
                    unsubscribe.run();
                }
                return null;
            });
        }

        String encode(StreamMessage message) {
            return LogFanout.this.encode(message);
        }

        Uni<List<LogEntry>> read(long after, long upTo) {
            return LogFanout.this.read(id, after, upTo);
        }

        void countCut() {
            cut.increment();
        }

        void later(long millis, Runnable task) {
            timers.setTimer(millis, id -> task.run());
        }

        private void onEvent(DeploymentEvents.Event event) {
            synchronized (this) {
                target = Math.max(target, event.logSeq());
                statusDirty |= event.statusChanged();
            }
            refresh();
        }

        /** After the listening connection was re-established: events may have been missed, so read again. */
        void resync() {
            synchronized (this) {
                statusDirty = true;
            }
            refresh();
        }

        private void refresh() {
            synchronized (this) {
                if (reading) {
                    again = true;
                    return;
                }
                reading = true;
            }
            readOnce().subscribe().with(x -> readDone(), this::readFailed);
        }

        private void readFailed(Throwable e) {
            boolean retry;
            synchronized (this) {
                retry = !(e instanceof ProblemException);
                if (e instanceof ProblemException p) {
                    missing = p;
                } else {
                    // Read the status again; the lines are re-read from head anyway.
                    statusDirty = true;
                    Log.warnf("Reading deployment d-%d for its live viewers failed (retrying): %s", id,
                            e.getMessage());
                }
            }
            wakeAll();
            readDone();
            if (retry) {
                later(RETRY_MILLIS, this::retry);
            }
        }

        /** Reads again after a failure, as long as this channel still has viewers. */
        private void retry() {
            if (!viewers.isEmpty() && channels.get(id) == this) {
                refresh();
            }
        }

        private void readDone() {
            synchronized (this) {
                if (!again || missing != null) {
                    reading = false;
                    return;
                }
                again = false;
            }
            readOnce().subscribe().with(x -> readDone(), this::readFailed);
        }

        /** One round: the status if it changed, then every line up to what was announced, page by page. */
        private Uni<Void> readOnce() {
            boolean status;
            synchronized (this) {
                status = statusDirty;
                statusDirty = false;
            }
            if (!status) {
                return readLines();
            }
            return snapshot(id).chain(s -> {
                synchronized (this) {
                    if (head < 0) {
                        // Lines stored before anyone watched are history: viewers read them from the database.
                        head = s.logSeq();
                        low = head + 1;
                        evicted = 0;
                    }
                    target = Math.max(target, s.logSeq());
                }
                return readLines().invoke(() -> addMark(s));
            });
        }

        private Uni<Void> readLines() {
            long from;
            long to;
            synchronized (this) {
                from = head;
                to = target;
            }
            if (from < 0 || from >= to) {
                return Uni.createFrom().voidItem();
            }
            return LogFanout.this.read(id, from, to).chain(lines -> {
                publish(lines, to);
                return readLines();
            });
        }

        private void publish(List<LogEntry> lines, long upTo) {
            List<Line> encoded = new ArrayList<>(lines.size());
            for (LogEntry line : lines) {
                StreamMessage message = StreamMessage.log(line);
                encoded.add(new Line(line.seq(), message, encode(message)));
            }
            synchronized (this) {
                if (encoded.isEmpty()) {
                    // Nothing stored up to upTo any more (retention): skip the range, the ring restarts after it.
                    head = upTo;
                    low = head + 1;
                }
                for (Line line : encoded) {
                    if (line.seq() <= head) {
                        continue;
                    }
                    if (line.seq() != head + 1) {
                        low = line.seq();
                    }
                    int slot = (int) (line.seq() % ring.length);
                    Line old = ring[slot];
                    if (old != null && old.seq() >= low) {
                        evicted = Math.max(evicted, old.seq());
                        low = old.seq() + 1;
                    }
                    ring[slot] = line;
                    head = line.seq();
                }
            }
            wakeAll();
        }

        private void addMark(Snapshot s) {
            synchronized (this) {
                Mark last = marks.isEmpty() ? null : marks.get(marks.size() - 1);
                if (last != null && last.status() == s.status()) {
                    return;
                }
                String publicId = "d-" + id;
                StreamMessage message = StreamMessage.status(publicId, s.status().name(), s.reason());
                marks.add(new Mark(s.logSeq(), s.status(), message, encode(message)));
                if (s.status().isTerminal()) {
                    StreamMessage end = StreamMessage.end(publicId, s.status().name(), s.reason());
                    marks.add(new Mark(s.logSeq(), s.status(), end, encode(end)));
                }
            }
            wakeAll();
        }

        private void wakeAll() {
            viewers.forEach(LogViewer::wake);
        }

        /** What a viewer at {@code sent} should do next; see {@link LogViewer}. */
        synchronized Step next(long sent, int markIndex, boolean live, int max) {
            if (missing != null) {
                return Step.failed(missing);
            }
            if (head < 0) {
                return Step.WAIT;
            }
            if (markIndex < marks.size() && marks.get(markIndex).afterSeq() <= sent) {
                return Step.mark(marks.get(markIndex));
            }
            if (sent >= head) {
                return Step.WAIT;
            }
            long seq = sent + 1;
            if (seq >= low) {
                int n = (int) Math.min(max, head - sent);
                Line[] lines = new Line[n];
                for (int i = 0; i < n; i++) {
                    lines[i] = ring[(int) ((seq + i) % ring.length)];
                }
                return Step.lines(lines);
            }
            if (live && seq <= evicted) {
                return Step.TOO_SLOW;
            }
            return Step.fromDatabase(Math.min(head, low - 1));
        }

        /** Whether a viewer that walked the ring up to {@code sent} has fallen out of it. */
        synchronized boolean tooFarBehind(long sent) {
            return sent + 1 <= evicted && sent + 1 < low;
        }
    }

    /** A viewer's next step. */
    record Step(Kind kind, Line[] lines, Mark mark, long upTo, ProblemException problem) {
        enum Kind { WAIT, LINE, MARK, DATABASE, TOO_SLOW, FAILED }

        static final Step WAIT = new Step(Kind.WAIT, null, null, 0, null);
        static final Step TOO_SLOW = new Step(Kind.TOO_SLOW, null, null, 0, null);

        static Step lines(Line[] lines) {
            return new Step(Kind.LINE, lines, null, 0, null);
        }

        static Step mark(Mark mark) {
            return new Step(Kind.MARK, null, mark, 0, null);
        }

        static Step fromDatabase(long upTo) {
            return new Step(Kind.DATABASE, null, null, upTo, null);
        }

        static Step failed(ProblemException problem) {
            return new Step(Kind.FAILED, null, null, 0, problem);
        }
    }

    /** The state of a deployment as the channel needs it. */
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
}
