package dev.slipway.logs;

import java.time.Instant;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A stored log line as the API and the live streams show it. */
@RegisterForReflection
public record LogEntry(long seq, Instant at, String stream, String message) {
}
