package dev.slipway.logs;

import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Multi;

/**
 * A deployment's live log as a {@link Multi}, for Server-Sent Events: the stored lines after {@code after},
 * then new lines and status changes as they are committed on any replica, then {@code end}. It sends only
 * what its subscriber requested, so a slow HTTP client holds back its own stream and nobody else's; one that
 * falls more than {@code slipway.logs.send-buffer} lines behind the live end fails with
 * {@link TooSlowException}.
 */
@ApplicationScoped
public class LogFollower {

    private final LogFanout fanout;

    public LogFollower(LogFanout fanout) {
        this.fanout = fanout;
    }

    /** The live stream of one deployment; fails with a 404 problem if it does not exist. */
    public Multi<StreamMessage> follow(long deploymentId, long after) {
        Flow.Publisher<StreamMessage> publisher = subscriber -> new Subscription(subscriber)
                .start(deploymentId, after);
        return Multi.createFrom().publisher(publisher);
    }

    /** The viewer fell too far behind the live end of the log. */
    public static final class TooSlowException extends RuntimeException {
        TooSlowException(long lastSeq) {
            super("too slow; reconnect after seq " + lastSeq);
        }
    }

    /** One subscriber's demand, fed by a {@link LogViewer}. */
    private final class Subscription implements Flow.Subscription, LogViewer.Sink {
        private final Flow.Subscriber<? super StreamMessage> subscriber;
        private final AtomicLong demand = new AtomicLong();
        private volatile LogViewer viewer;
        private volatile boolean cancelled;

        Subscription(Flow.Subscriber<? super StreamMessage> subscriber) {
            this.subscriber = subscriber;
        }

        void start(long deploymentId, long after) {
            subscriber.onSubscribe(this);
            if (!cancelled) {
                viewer = fanout.watch(deploymentId, after, this);
            }
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                cancel();
                subscriber.onError(new IllegalArgumentException("requested " + n + " items"));
                return;
            }
            demand.getAndAccumulate(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
            LogViewer v = viewer;
            if (v != null) {
                v.pump();
            }
        }

        @Override
        public void cancel() {
            cancelled = true;
            LogViewer v = viewer;
            if (v != null) {
                v.stop();
            }
        }

        @Override
        public int room() {
            return cancelled ? 0 : (int) Math.min(Integer.MAX_VALUE, demand.get());
        }

        @Override
        public void send(StreamMessage message, String json, Runnable done) {
            demand.decrementAndGet();
            subscriber.onNext(message);
        }

        @Override
        public void complete() {
            subscriber.onComplete();
        }

        @Override
        public void tooSlow(long lastSeq) {
            subscriber.onError(new TooSlowException(lastSeq));
        }

        @Override
        public void fail(Throwable failure) {
            subscriber.onError(failure);
        }
    }
}
