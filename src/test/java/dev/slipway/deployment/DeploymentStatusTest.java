package dev.slipway.deployment;

import static dev.slipway.deployment.DeploymentStatus.BUILDING;
import static dev.slipway.deployment.DeploymentStatus.CANCELED;
import static dev.slipway.deployment.DeploymentStatus.DEPLOYING;
import static dev.slipway.deployment.DeploymentStatus.FAILED;
import static dev.slipway.deployment.DeploymentStatus.QUEUED;
import static dev.slipway.deployment.DeploymentStatus.READY;
import static dev.slipway.deployment.DeploymentStatus.STARTING;
import static dev.slipway.deployment.DeploymentStatus.TIMED_OUT;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

/** The state machine every stored status change is checked against. */
class DeploymentStatusTest {

    @Test
    void progressOnlyMovesForwardAndMaySkipSteps() {
        assertThat(QUEUED.canMoveTo(STARTING)).isTrue();
        assertThat(STARTING.canMoveTo(BUILDING)).isTrue();
        assertThat(STARTING.canMoveTo(READY)).isTrue();
        assertThat(BUILDING.canMoveTo(DEPLOYING)).isTrue();
        assertThat(DEPLOYING.canMoveTo(READY)).isTrue();

        assertThat(QUEUED.canMoveTo(BUILDING)).as("a deployment starts before it builds").isFalse();
        assertThat(DEPLOYING.canMoveTo(BUILDING)).isFalse();
        assertThat(BUILDING.canMoveTo(STARTING)).isFalse();
        assertThat(STARTING.canMoveTo(QUEUED)).isFalse();
        assertThat(BUILDING.canMoveTo(BUILDING)).isFalse();
    }

    @Test
    void everyUnfinishedStateMayFailBeCancelledOrTimeOut() {
        for (DeploymentStatus from : new DeploymentStatus[] { QUEUED, STARTING, BUILDING, DEPLOYING }) {
            assertThat(from.canMoveTo(FAILED)).isTrue();
            assertThat(from.canMoveTo(CANCELED)).isTrue();
            assertThat(from.canMoveTo(TIMED_OUT)).isTrue();
        }
    }

    @Test
    void nothingLeavesATerminalState() {
        for (DeploymentStatus end : DeploymentStatus.TERMINAL) {
            assertThat(Arrays.stream(DeploymentStatus.values()).filter(end::canMoveTo)).isEmpty();
            assertThat(end.isTerminal()).isTrue();
            assertThat(end.isActive()).isFalse();
        }
    }

    @Test
    void sqlListsAgreeWithTheEnum() {
        for (DeploymentStatus s : DeploymentStatus.values()) {
            assertThat(DeploymentStatus.ACTIVE_SQL.contains("'" + s.name() + "'")).isEqualTo(s.isActive());
            assertThat(DeploymentStatus.OPEN_SQL.contains("'" + s.name() + "'")).isEqualTo(!s.isTerminal());
        }
    }
}
