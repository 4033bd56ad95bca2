package dev.slipway.provider.simulator;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.slipway.platform.Problem;

/**
 * A simulator project's target: {@code {"buildSeconds": 3, "outcome": "ready" | "failed", "logLines": 20,
 * "echoEnv": false}}, every field optional. With {@code echoEnv} the build log starts with each of the
 * deployment's variables as {@code KEY=value}, which shows redaction at work.
 */
record SimulatorTarget(int buildMillis, String outcome, int logLines, boolean echoEnv) {

    private static final List<String> FIELDS = List.of("buildSeconds", "outcome", "logLines", "echoEnv",
            "credential");

    static final int MAX_BUILD_SECONDS = 3600;
    static final int MAX_LOG_LINES = 1_000_000;

    static SimulatorTarget of(JsonNode target) {
        double seconds = target.path("buildSeconds").asDouble(3);
        return new SimulatorTarget((int) Math.round(seconds * 1000), target.path("outcome").asText("ready"),
                target.path("logLines").asInt(20), target.path("echoEnv").asBoolean(false));
    }

    static List<Problem.FieldError> validate(JsonNode target) {
        List<Problem.FieldError> errors = new ArrayList<>();
        JsonNode seconds = target.get("buildSeconds");
        if (seconds != null && (!seconds.isNumber() || seconds.asDouble() < 0
                || seconds.asDouble() > MAX_BUILD_SECONDS)) {
            errors.add(new Problem.FieldError("target.buildSeconds",
                    "must be a number from 0 to " + MAX_BUILD_SECONDS));
        }
        JsonNode outcome = target.get("outcome");
        if (outcome != null && !("ready".equals(outcome.asText()) || "failed".equals(outcome.asText()))
                || outcome != null && !outcome.isTextual()) {
            errors.add(new Problem.FieldError("target.outcome", "must be \"ready\" or \"failed\""));
        }
        JsonNode lines = target.get("logLines");
        if (lines != null && (!lines.isIntegralNumber() || lines.asInt() < 0 || lines.asLong() > MAX_LOG_LINES)) {
            errors.add(new Problem.FieldError("target.logLines", "must be a whole number from 0 to " + MAX_LOG_LINES));
        }
        JsonNode echo = target.get("echoEnv");
        if (echo != null && !echo.isBoolean()) {
            errors.add(new Problem.FieldError("target.echoEnv", "must be true or false"));
        }
        target.fieldNames().forEachRemaining(name -> {
            if (!FIELDS.contains(name)) {
                errors.add(new Problem.FieldError("target." + name, "is not a simulator setting"));
            }
        });
        return errors;
    }
}
