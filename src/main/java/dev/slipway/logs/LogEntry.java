package dev.slipway.logs;

import java.time.Instant;

/** A stored log line as the API and the live streams show it. */
public record LogEntry(long seq, Instant at, String stream, String message) {
}
