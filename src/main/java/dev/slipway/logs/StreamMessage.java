package dev.slipway.logs;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One message of a live stream (WebSocket or SSE): {@code type} is {@code log} (with {@code seq}, {@code at},
 * {@code stream}, {@code message}), {@code status} (with {@code status}, {@code statusReason}) or {@code end}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@RegisterForReflection
public record StreamMessage(String type, String deploymentId, Long seq, Instant at, String stream, String message,
        String status, String statusReason) {

    public static StreamMessage log(LogEntry line) {
        return new StreamMessage("log", null, line.seq(), line.at(), line.stream(), line.message(), null, null);
    }

    public static StreamMessage status(String deploymentId, String status, String reason) {
        return new StreamMessage("status", deploymentId, null, null, null, null, status, reason);
    }

    public static StreamMessage end(String deploymentId, String status, String reason) {
        return new StreamMessage("end", deploymentId, null, null, null, null, status, reason);
    }
}
