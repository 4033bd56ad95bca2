package dev.slipway.logs;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.slipway.platform.ProblemException;

/**
 * One live viewer's position in a deployment's log. It sends what its {@link LogFanout.Channel} has read,
 * at the pace its {@link Sink} accepts, and reads from the database only what the channel's ring does not
 * hold. {@code sent} only grows and every line sent has seq {@code sent + 1}, so nothing is skipped or repeated
 * whichever source a line came from.
 *
 * <p>Its steps run one at a time (a work-in-progress counter serialises {@link #pump()} calls from the
 * channel, the sink's completions and the database), and never wait: when the sink is full the viewer stops
 * until a send completes.
 */
public final class LogViewer {

    /** Where a viewer's messages go: a WebSocket connection or a Server-Sent Events stream. */
    public interface Sink {
        /** How many more messages may be sent now. */
        int room();

        /** Sends one message; {@code done} runs once it was written (or failed), from any thread. */
        void send(StreamMessage message, String json, Runnable done);

        /** The log is complete and the end was sent: close normally. */
        void complete();

        /** The viewer fell too far behind; it should reconnect after {@code lastSeq}. */
        void tooSlow(long lastSeq);

        /** The stream cannot go on (the deployment does not exist, the database failed). */
        void fail(Throwable failure);

        /** Runs {@code task} where this sink's sends are cheapest (its connection's event loop). */
        default void execute(Runnable task) {
            task.run();
        }
    }

    /** How long a viewer's socket may take nothing while messages wait for it before it is cut (1013). */
    static final long STALL_MILLIS = 5000;
    /** Most lines taken from the ring in one step: one lock for many lines, yet short steps. */
    static final int BATCH = 64;

    private final LogFanout.Channel channel;
    private final Sink sink;
    private final AtomicInteger work = new AtomicInteger();
    private long sent;
    private int markIndex;
    private boolean live;
    private List<LogEntry> backlog = List.of();
    private int backlogIndex;
    /** A database read in flight; its result is taken over by the next drain, never applied concurrently. */
    private volatile boolean reading;
    private volatile History history;
    private volatile boolean stopped;
    /** When the socket last stopped taking messages (nanoTime), 0 while it takes them. */
    private long stalledSince;
    private volatile boolean checkPending;

    LogViewer(LogFanout.Channel channel, long after, int markIndex, Sink sink) {
        this.channel = channel;
        this.sent = Math.max(0, after);
        this.markIndex = markIndex;
        this.sink = sink;
    }

    /** Stops sending and leaves the channel (the connection closed). */
    public void stop() {
        if (!stopped) {
            stopped = true;
            channel.leave(this);
        }
    }

    /** The last seq this viewer sent. */
    public long lastSeq() {
        return sent;
    }

    /** New data or room: continue on the sink's own thread. */
    void wake() {
        if (!stopped) {
            sink.execute(this::pump);
        }
    }

    /** Runs {@link #drain()} until nobody asked for more meanwhile; never two at once. */
    void pump() {
        if (work.getAndIncrement() != 0) {
            return;
        }
        do {
            drain();
        } while (work.decrementAndGet() != 0);
    }

    private void drain() {
        if (stopped) {
            return;
        }
        // Checked even when the sink is full: a stalled connection is exactly the one to cut.
        if (live && channel.tooFarBehind(sent)) {
            cut();
            return;
        }
        History read = history;
        if (read != null) {
            history = null;
            backlog = read.lines();
            backlogIndex = 0;
            if (read.lines().isEmpty()) {
                // Pruned by retention: nothing to send up to upTo, and the status still matters.
                sent = Math.max(sent, read.upTo());
            }
        }
        long sentBefore = sent;
        int marksBefore = markIndex;
        int room;
        while (!stopped && !reading && (room = sink.room()) > 0) {
            if (backlogIndex < backlog.size()) {
                LogEntry line = backlog.get(backlogIndex++);
                if (line.seq() > sent) {
                    sent = line.seq();
                    StreamMessage message = StreamMessage.log(line);
                    sink.send(message, channel.encode(message), this::pump);
                }
                continue;
            }
            if (!step(channel.next(sent, markIndex, live, Math.min(room, BATCH)))) {
                // Waiting for lines or for the database, not for the client.
                stalledSince = 0;
                return;
            }
        }
        if (!stopped && !reading) {
            sinkFull(sent != sentBefore || markIndex != marksBefore);
        }
    }

    /**
     * The client's socket holds a full window. One that takes nothing for {@link #STALL_MILLIS} is cut, also
     * while it catches up from the database or after the last line, where the ring cannot tell.
     */
    private void sinkFull(boolean progressed) {
        long now = System.nanoTime();
        if (progressed || stalledSince == 0) {
            stalledSince = now;
        } else if (now - stalledSince >= STALL_MILLIS * 1_000_000L) {
            cut();
            return;
        }
        if (!checkPending) {
            checkPending = true;
            channel.later(STALL_MILLIS, () -> {
                checkPending = false;
                wake();
            });
        }
    }

    /** Takes one step; answers whether the viewer may go on at once. */
    private boolean step(LogFanout.Step next) {
        switch (next.kind()) {
            case LINE -> {
                live = true;
                for (LogFanout.Line line : next.lines()) {
                    sent = line.seq();
                    sink.send(line.message(), line.json(), this::pump);
                }
                return true;
            }
            case MARK -> {
                markIndex++;
                sink.send(next.mark().message(), next.mark().json(), this::pump);
                if ("end".equals(next.mark().message().type())) {
                    stopped = true;
                    channel.leave(this);
                    sink.complete();
                    return false;
                }
                return true;
            }
            case DATABASE -> {
                readHistory(next.upTo());
                return false;
            }
            case TOO_SLOW -> {
                cut();
                return false;
            }
            case FAILED -> {
                fail(next.problem());
                return false;
            }
            default -> {
                return false;
            }
        }
    }

    private void readHistory(long upTo) {
        reading = true;
        channel.read(sent, upTo).subscribe().with(lines -> {
            history = new History(lines, upTo);
            reading = false;
            wake();
        }, this::fail);
    }

    /** Lines read from the database for this viewer. */
    private record History(List<LogEntry> lines, long upTo) {
    }

    private void cut() {
        channel.countCut();
        stopped = true;
        channel.leave(this);
        sink.tooSlow(sent);
    }

    private void fail(Throwable failure) {
        stopped = true;
        channel.leave(this);
        sink.fail(failure instanceof ProblemException ? failure : new IllegalStateException(failure));
    }
}
