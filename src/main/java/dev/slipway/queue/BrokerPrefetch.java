package dev.slipway.queue;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.NoOpMetricsCollector;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.ClientCustomizer;
import io.vertx.core.Vertx;
import io.vertx.rabbitmq.RabbitMQOptions;

/**
 * Keeps the RabbitMQ consumer's prefetch equal to the capacity free for new deployments ({@code rabbitmq}
 * profile), so a replica takes from the broker only as many requests as can start, and the others stay in the
 * queue for replicas that catch up.
 * <p>
 * The connector sets a per-consumer prefetch once, when it subscribes ({@code max-outstanding-messages}, the
 * global limit); RabbitMQ cannot change that one later. What it can change at any time is the channel's prefetch
 * ({@code basic.qos} with {@code global=true}), which applies on top: this bean sets that one after every claim
 * pass. The connector does not hand out its channel, so this customizer gives the channel's client a metrics
 * collector, which RabbitMQ's client tells about each consumer it starts, with its channel; after a reconnect
 * the new channel is learnt the same way. RabbitMQ reads a prefetch of 0 as "unlimited", so with no free capacity
 * the prefetch is 1: a full replica holds at most one request, which its next claim pass answers.
 */
@ApplicationScoped
public class BrokerPrefetch implements ClientCustomizer<RabbitMQOptions> {

    /** The incoming broker channel whose prefetch follows free capacity. */
    static final String CHANNEL = "deployment-requests-broker";

    private final Vertx vertx;
    private final Replica replica;
    /** The channel the consumer runs on; null before it started. Guarded by {@code this}. */
    private Channel consumerChannel;
    /** The prefetch the last claim pass asked for; 0 before the first pass. */
    private volatile int wanted;
    /** The prefetch the broker has confirmed for {@link #consumerChannel}; 0 when none. Guarded by {@code this}. */
    private int applied;
    /** Whether a {@code basic.qos} call is under way. Guarded by {@code this}. */
    private boolean applying;

    public BrokerPrefetch(Vertx vertx, Replica replica, MeterRegistry registry,
            @ConfigProperty(name = "slipway.queue.broker", defaultValue = "false") boolean broker) {
        this.vertx = vertx;
        this.replica = replica;
        if (broker && registry != null) {
            registry.gauge("slipway_queue_broker_prefetch", this, BrokerPrefetch::current);
        }
    }

    @Override
    public RabbitMQOptions customize(String channel, Config channelConfig, RabbitMQOptions options) {
        // Named so an operator (and the failover test) can tell each replica's connections apart in RabbitMQ.
        options.setConnectionName("slipway " + replica.id() + " " + channel);
        if (CHANNEL.equals(channel)) {
            options.setMetricsCollector(new NoOpMetricsCollector() {
                @Override
                public void basicConsume(Channel amqpChannel, String consumerTag, boolean autoAck) {
                    consumerStarted(amqpChannel);
                }
            });
        }
        return options;
    }

    /** The consumer (re)started on {@code amqpChannel}: its prefetch is unset there until set again. */
    void consumerStarted(Channel amqpChannel) {
        synchronized (this) {
            consumerChannel = amqpChannel;
            applied = 0;
        }
        apply();
    }

    /** A claim pass ended with {@code free} places left under the global limit. */
    public void freeCapacity(int free) {
        wanted = Math.max(1, free);
        apply();
    }

    /** The prefetch the broker last confirmed, 0 before the first; for the gauge and for tests. */
    public synchronized int current() {
        return applied;
    }

    /** Sends the wanted prefetch unless it is already set; one call at a time, the newest value wins. */
    private void apply() {
        Channel target;
        int value;
        synchronized (this) {
            target = consumerChannel;
            value = wanted;
            if (target == null || value == 0 || value == applied || applying) {
                return;
            }
            applying = true;
        }
        // Channel.basicQos waits for the broker's answer: never on an event loop.
        vertx.executeBlocking(() -> {
            target.basicQos(value, true);
            return null;
        }, false).onComplete(result -> {
            synchronized (this) {
                applying = false;
                if (result.succeeded() && consumerChannel == target) {
                    applied = value;
                }
            }
            if (result.failed()) {
                // The channel closed (the connector reconnects and the new consumer is reported) or the broker refused.
                Log.debugf("Could not set the broker prefetch to %d: %s", value, result.cause().getMessage());
            } else {
                Log.debugf("Broker prefetch set to %d (free capacity)", value);
                apply();
            }
        });
    }
}
