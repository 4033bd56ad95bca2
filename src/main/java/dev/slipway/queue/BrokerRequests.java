package dev.slipway.queue;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.rabbitmq.OutgoingRabbitMQMetadata;
import io.vertx.core.json.JsonObject;

/**
 * Sends deployment wake-ups through RabbitMQ ({@code rabbitmq} profile). Its emitter can only be connected
 * while the broker channel is switched on, so this bean is created lazily, on first use, and only used then.
 */
@ApplicationScoped
public class BrokerRequests {

    private final MutinyEmitter<JsonObject> emitter;

    public BrokerRequests(@Channel("deployment-requests-broker-out") MutinyEmitter<JsonObject> emitter) {
        this.emitter = emitter;
    }

    /** Publishes a wake-up; the broker's priority queue hands urgent ones out first. */
    public void send(DeploymentRequest request) {
        emitter.sendMessageAndForget(Message.of(
                JsonObject.of("deploymentId", request.deploymentId(), "priority", request.priority()),
                Metadata.of(OutgoingRabbitMQMetadata.builder().withPriority(request.priority())
                        .withContentType("application/json").build())));
    }
}
