package dev.slipway.logs;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One message of a live stream (WebSocket or SSE): {@code type} is {@code log} (with {@code seq}, {@code at},
 * {@code stream}, {@code message}), {@code status} (with {@code status}, {@code statusReason}), {@code end}, or,
 * as the last event of a Server-Sent Events stream that fell too far behind, {@code too-slow} (with {@code seq}
 * the last seq sent, to resume after). On {@code /ws/events}: {@code status} and {@code resync}.
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

    /** The last event of an SSE stream that could not keep up: reconnect after {@code lastSeq}. */
    public static StreamMessage tooSlow(String deploymentId, long lastSeq) {
        return new StreamMessage("too-slow", deploymentId, lastSeq, null, null,
                "too slow; reconnect with Last-Event-ID: " + lastSeq, null, null);
    }

    /** Told to event dashboards after status changes may have been missed: they re-list the deployments. */
    public static StreamMessage resync() {
        return new StreamMessage("resync", null, null, null, null,
                "status changes may have been missed; re-list GET /api/v1/deployments", null, null);
    }
}
