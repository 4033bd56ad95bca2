package dev.slipway.logs;

import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * A deployment's live log as a {@link Multi}, for Server-Sent Events: the stored lines after {@code after},
 * then new lines and status changes as they are committed on any replica, then {@code end}. It sends only
 * what its subscriber requested; the SSE writer requests the next event once the previous one was written
 * to the socket, so a client that stops reading holds back its own stream, with one event in the server's
 * hands, and nobody else's. A stream that falls more than {@code slipway.logs.send-buffer} lines behind the
 * live end, or whose client takes nothing for {@link LogViewer#STALL_MILLIS}, ends with a {@code too-slow}
 * event naming the last seq sent (see {@link StreamMessage#tooSlow}).
 */
@ApplicationScoped
public class LogFollower {

    private final LogFanout fanout;

    public LogFollower(LogFanout fanout) {
        this.fanout = fanout;
    }

    /** The live stream of one deployment; fails with a 404 problem if it does not exist. */
    public Multi<StreamMessage> follow(long deploymentId, long after) {
        Flow.Publisher<StreamMessage> publisher = subscriber -> new Subscription(subscriber, deploymentId,
                Vertx.currentContext()).start(after);
        return Multi.createFrom().publisher(publisher);
    }

    /** One subscriber's demand, fed by a {@link LogViewer}. */
    private final class Subscription implements Flow.Subscription, LogViewer.Sink {
        private final Flow.Subscriber<? super StreamMessage> subscriber;
        private final long deploymentId;
        private final Context context;
        private final AtomicLong demand = new AtomicLong();
        /** The {@code too-slow} event, kept until the subscriber asks for one more event. */
        private final AtomicReference<StreamMessage> farewell = new AtomicReference<>();
        private volatile LogViewer viewer;
        private volatile boolean cancelled;

        Subscription(Flow.Subscriber<? super StreamMessage> subscriber, long deploymentId, Context context) {
            this.subscriber = subscriber;
            this.deploymentId = deploymentId;
            this.context = context;
        }

        void start(long after) {
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
            if (farewell.get() != null) {
                sendFarewell();
                return;
            }
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
            Log.debugf("Ending a log stream of deployment d-%d that fell behind at seq %d", deploymentId, lastSeq);
            // The viewer has stopped: only this event is left, sent as soon as the client takes one more.
            farewell.set(StreamMessage.tooSlow("d-" + deploymentId, lastSeq));
            sendFarewell();
        }

        private void sendFarewell() {
            if (cancelled || demand.get() <= 0) {
                return;
            }
            StreamMessage last = farewell.getAndSet(null);
            if (last != null) {
                demand.decrementAndGet();
                subscriber.onNext(last);
                subscriber.onComplete();
            }
        }

        @Override
        public void fail(Throwable failure) {
            subscriber.onError(failure);
        }

        @Override
        public void execute(Runnable task) {
            if (context == null || Vertx.currentContext() == context) {
                task.run();
            } else {
                context.runOnContext(v -> task.run());
            }
        }
    }
}
