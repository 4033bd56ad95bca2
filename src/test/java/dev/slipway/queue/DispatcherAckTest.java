package dev.slipway.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.rabbitmq.client.Channel;

import dev.slipway.platform.SlipwayConfig;
import dev.slipway.provider.ProviderOutages;
import dev.slipway.tracking.Tracker;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * A request that came over RabbitMQ is acknowledged only after a claim pass that could see its deployment has
 * committed, and handed back to the broker when that pass fails or the replica stops, so no request is lost with
 * a replica that dies or stops before claiming.
 */
class DispatcherAckTest {

    /** A pass that claimed nothing, with nothing active. */
    private static final QueueStore.ClaimPass NOTHING = new QueueStore.ClaimPass(List.of(), 0);

    private final Vertx vertx = Vertx.vertx();
    private final BrokerPrefetch prefetch = new BrokerPrefetch(vertx, new Replica(), null, true);
    private final ControlledStore store = new ControlledStore();
    private final Dispatcher dispatcher = new Dispatcher(store, new IdleTracker(), config(), new Replica(), null, null,
            new ProviderOutages(null, null, null), prefetch);

    @AfterEach
    void closeVertx() {
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void aRequestIsAckedOnlyAfterAPassThatStartedAfterItHasCommitted() {
        Delivery first = new Delivery(1);
        dispatcher.onBrokerRequest(first.message()).await().indefinitely();
        assertThat(store.passes).hasSize(1);
        assertThat(first.outcome.get()).as("acked before its claim pass committed").isNull();

        // Arrives while the first pass runs: that pass may have looked at the queue before this deployment was in it.
        Delivery second = new Delivery(2);
        dispatcher.onBrokerRequest(second.message()).await().indefinitely();
        assertThat(store.passes).as("one pass at a time").hasSize(1);

        store.passes.get(0).complete(NOTHING);
        assertThat(first.outcome.get()).isEqualTo("ack");
        assertThat(second.outcome.get()).as("waits for the next pass").isNull();
        assertThat(store.passes).hasSize(2);

        store.passes.get(1).complete(NOTHING);
        assertThat(second.outcome.get()).isEqualTo("ack");
    }

    @Test
    void requestsArrivingDuringAPassShareTheNextOne() {
        dispatcher.onBrokerRequest(new Delivery(1).message()).await().indefinitely();
        List<Delivery> burst = new ArrayList<>();
        for (int i = 2; i < 12; i++) {
            Delivery d = new Delivery(i);
            burst.add(d);
            dispatcher.onBrokerRequest(d.message()).await().indefinitely();
        }
        store.passes.get(0).complete(NOTHING);
        store.passes.get(1).complete(NOTHING);
        assertThat(store.passes).as("ten requests in one pass").hasSize(2);
        assertThat(burst).allMatch(d -> "ack".equals(d.outcome.get()));
    }

    @Test
    void aFailedClaimPassNacksItsRequestsSoTheBrokerRedeliversThem() {
        Delivery request = new Delivery(1);
        dispatcher.onBrokerRequest(request.message()).await().indefinitely();
        store.passes.get(0).completeExceptionally(new IllegalStateException("connection refused"));
        assertThat(request.outcome.get()).isEqualTo("nack: connection refused");

        // The next request gets a pass of its own, which can succeed.
        Delivery next = new Delivery(2);
        dispatcher.onBrokerRequest(next.message()).await().indefinitely();
        store.passes.get(1).complete(NOTHING);
        assertThat(next.outcome.get()).isEqualTo("ack");
    }

    @Test
    void aStoppingReplicaNacksWhatItHasNotClaimedYet() {
        Delivery inPass = new Delivery(1);
        Delivery waiting = new Delivery(2);
        dispatcher.onBrokerRequest(inPass.message()).await().indefinitely();
        dispatcher.onBrokerRequest(waiting.message()).await().indefinitely();

        dispatcher.onStop(null);
        assertThat(waiting.outcome.get()).startsWith("nack: this replica is stopping");
        // The pass commits, but its claims are handed back: the request must reach another replica.
        store.passes.get(0).complete(NOTHING);
        assertThat(inPass.outcome.get()).startsWith("nack: this replica is stopping");
        assertThat(store.passes).as("no pass starts while stopping").hasSize(1);

        Delivery late = new Delivery(3);
        dispatcher.onBrokerRequest(late.message()).await().indefinitely();
        assertThat(late.outcome.get()).startsWith("nack: this replica is stopping");
        assertThat(store.passes).hasSize(1);
    }

    @Test
    void pumpCompletesWithThePassItJoined() {
        AtomicReference<String> answered = new AtomicReference<>();
        dispatcher.pump().subscribe().with(x -> answered.set("done"), e -> answered.set("failed"));
        assertThat(answered.get()).isNull();
        store.passes.get(0).complete(NOTHING);
        assertThat(answered.get()).isEqualTo("done");
    }

    @Test
    void theBrokerPrefetchFollowsTheCapacityEachPassLeavesAndAtLeastOne() {
        List<String> first = new CopyOnWriteArrayList<>();
        prefetch.consumerStarted(channel(first));
        assertThat(first).as("nothing is set before a pass has counted the capacity").isEmpty();

        passEndingWith(7); // 3 of the limit of 10 free
        await().atMost(Duration.ofSeconds(5)).until(() -> prefetch.current() == 3);
        passEndingWith(10); // full: RabbitMQ reads 0 as unlimited, so one
        await().atMost(Duration.ofSeconds(5)).until(() -> prefetch.current() == 1);
        passEndingWith(10);
        passEndingWith(4);
        await().atMost(Duration.ofSeconds(5)).until(() -> prefetch.current() == 6);
        assertThat(first).as("channel-wide basic.qos, sent only when the capacity changed")
                .containsExactly("qos 3 global", "qos 1 global", "qos 6 global");

        // The connector reconnected: its new channel starts without a prefetch and gets the current one.
        List<String> second = new CopyOnWriteArrayList<>();
        prefetch.consumerStarted(channel(second));
        await().atMost(Duration.ofSeconds(5)).until(() -> second.equals(List.of("qos 6 global")));
        assertThat(first).hasSize(3);
    }

    /** Runs one claim pass that leaves {@code active} deployments active, against the limit of 10. */
    private void passEndingWith(int active) {
        dispatcher.pump().subscribe().with(x -> { }, e -> { });
        store.passes.get(store.passes.size() - 1).complete(new QueueStore.ClaimPass(List.of(), active));
    }

    /** An AMQP channel that records the prefetch it is given and answers nothing else. */
    private static Channel channel(List<String> calls) {
        return (Channel) Proxy.newProxyInstance(Channel.class.getClassLoader(), new Class<?>[] { Channel.class },
                (proxy, method, args) -> {
                    if (method.getName().equals("basicQos") && args.length == 2) {
                        calls.add("qos " + args[0] + ((Boolean) args[1] ? " global" : " per consumer"));
                        return null;
                    }
                    if (method.getName().equals("hashCode")) {
                        return System.identityHashCode(proxy);
                    }
                    if (method.getName().equals("equals")) {
                        return proxy == args[0];
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    /** One RabbitMQ delivery: records whether it was acked or nacked. */
    private static final class Delivery {
        final AtomicReference<String> outcome = new AtomicReference<>();
        private final long deploymentId;

        Delivery(long deploymentId) {
            this.deploymentId = deploymentId;
        }

        Message<JsonObject> message() {
            return Message.of(JsonObject.of("deploymentId", deploymentId, "priority", 1), () -> {
                outcome.compareAndSet(null, "ack");
                return CompletableFuture.completedFuture(null);
            }, (Throwable e) -> {
                outcome.compareAndSet(null, "nack: " + e.getMessage());
                return (CompletionStage<Void>) CompletableFuture.<Void>completedFuture(null);
            });
        }
    }

    /** Claim passes that end when the test says so. */
    private static final class ControlledStore extends QueueStore {
        final List<CompletableFuture<QueueStore.ClaimPass>> passes = new ArrayList<>();

        ControlledStore() {
            super(null, null);
        }

        @Override
        public Uni<QueueStore.ClaimPass> claim(String owner, int maxActive, Map<String, Integer> providerLimits,
                Duration lease) {
            CompletableFuture<QueueStore.ClaimPass> pass = new CompletableFuture<>();
            passes.add(pass);
            return Uni.createFrom().completionStage(pass);
        }

        @Override
        public Uni<Integer> handBack(String owner) {
            return Uni.createFrom().item(0);
        }
    }

    /** Follows nothing: the passes here claim nothing. */
    private static final class IdleTracker extends Tracker {
        IdleTracker() {
            super(null, null, null, null, null, null, null, null, null);
        }

        @Override
        public void stopAll() {
        }
    }

    /** Every setting at a neutral value: limits of 10, a 30 s lease, no per-provider limits. */
    private static SlipwayConfig config() {
        return (SlipwayConfig) settings(SlipwayConfig.class);
    }

    private static Object settings(Class<?> type) {
        return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, (proxy, method, args) -> {
            Class<?> answer = method.getReturnType();
            if (answer == int.class || answer == Integer.class) {
                return 10;
            }
            if (answer == Duration.class) {
                return Duration.ofSeconds(30);
            }
            if (answer == boolean.class) {
                return false;
            }
            if (answer == Optional.class) {
                return Optional.empty();
            }
            if (answer.isInterface()) {
                return settings(answer);
            }
            throw new UnsupportedOperationException(method.toString());
        });
    }
}
