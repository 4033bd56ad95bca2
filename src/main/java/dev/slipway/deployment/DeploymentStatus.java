package dev.slipway.deployment;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a deployment: {@code QUEUED -> STARTING -> BUILDING -> DEPLOYING -> READY}. Any state that is
 * not terminal may also end as FAILED, CANCELED or TIMED_OUT; nothing leaves a terminal state. The one step back,
 * STARTING to QUEUED for a deployment that never reached its provider, is the queue's own (see
 * {@code QueueStore.release}), not a move a provider can report, so {@link #canMoveTo} refuses it.
 */
public enum DeploymentStatus {
    QUEUED, STARTING, BUILDING, DEPLOYING, READY, FAILED, CANCELED, TIMED_OUT;

    /** States in which a deployment holds a slot of the queue's limits. */
    public static final Set<DeploymentStatus> ACTIVE = EnumSet.of(STARTING, BUILDING, DEPLOYING);
    /** States a deployment never leaves. */
    public static final Set<DeploymentStatus> TERMINAL = EnumSet.of(READY, FAILED, CANCELED, TIMED_OUT);

    public boolean isTerminal() {
        return TERMINAL.contains(this);
    }

    public boolean isActive() {
        return ACTIVE.contains(this);
    }

    /**
     * Whether the state machine allows moving from this state to {@code next}. Progress only goes forward,
     * but may skip steps (a provider can report READY without Slipway ever seeing DEPLOYING).
     */
    public boolean canMoveTo(DeploymentStatus next) {
        if (isTerminal() || next == this || next == QUEUED) {
            return false;
        }
        if (next == FAILED || next == CANCELED || next == TIMED_OUT) {
            return true;
        }
        return next.ordinal() > ordinal() && (this != QUEUED || next == STARTING);
    }

    /** The SQL list of active states, for queries that must agree with {@link #ACTIVE}. */
    public static final String ACTIVE_SQL = "('STARTING', 'BUILDING', 'DEPLOYING')";
    /** The SQL list of states that are not terminal. */
    public static final String OPEN_SQL = "('QUEUED', 'STARTING', 'BUILDING', 'DEPLOYING')";
}
