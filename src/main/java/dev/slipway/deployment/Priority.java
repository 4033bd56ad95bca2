package dev.slipway.deployment;

import java.util.Arrays;
import java.util.Optional;

/** How urgently a deployment should start when capacity is short; stored as its ordinal. */
public enum Priority {
    LOW, NORMAL, HIGH, URGENT;

    public String apiName() {
        return name().toLowerCase();
    }

    public static Optional<Priority> parse(String name) {
        return Arrays.stream(values()).filter(p -> p.apiName().equals(name)).findFirst();
    }

    public static Priority ofLevel(int level) {
        return values()[level];
    }
}
