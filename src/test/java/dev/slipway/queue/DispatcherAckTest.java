package dev.slipway.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

import dev.slipway.platform.SlipwayConfig;
import dev.slipway.provider.ProviderOutages;
import dev.slipway.tracking.Tracker;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;

/**
 * A request that came over RabbitMQ is acknowledged only after a claim pass that could see its deployment has
 * committed, and handed back to the broker when that pass fails or the replica stops, so no request is lost with
 * a replica that dies or stops before claiming.
 */
class DispatcherAckTest {

    private final ControlledStore store = new ControlledStore();
    private final Dispatcher dispatcher = new Dispatcher(store, new IdleTracker(), config(), new Replica(), null, null,
            new ProviderOutages(null, null, null));

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

        store.passes.get(0).complete(List.of());
        assertThat(first.outcome.get()).isEqualTo("ack");
        assertThat(second.outcome.get()).as("waits for the next pass").isNull();
        assertThat(store.passes).hasSize(2);

        store.passes.get(1).complete(List.of());
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
        store.passes.get(0).complete(List.of());
        store.passes.get(1).complete(List.of());
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
        store.passes.get(1).complete(List.of());
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
        store.passes.get(0).complete(List.of());
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
        store.passes.get(0).complete(List.of());
        assertThat(answered.get()).isEqualTo("done");
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
        final List<CompletableFuture<List<Claim>>> passes = new ArrayList<>();

        ControlledStore() {
            super(null, null);
        }

        @Override
        public Uni<List<Claim>> claim(String owner, int maxActive, Map<String, Integer> providerLimits,
                Duration lease) {
            CompletableFuture<List<Claim>> pass = new CompletableFuture<>();
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
