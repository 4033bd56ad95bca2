package dev.slipway.provider.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.slipway.deployment.DeploymentStatus;
import dev.slipway.provider.render.RenderModels.Deploy;

/** Render's deploy {@code status} as Slipway takes it, row by row of providers.md. */
class RenderMappingTest {

    private static final Instant CREATED = Instant.parse("2026-12-03T10:00:00Z");

    @Test
    void everyDeployStatusMapsAsProvidersMdSays() {
        Map<String, DeploymentStatus> table = Map.ofEntries(Map.entry("created", DeploymentStatus.STARTING),
                Map.entry("queued", DeploymentStatus.STARTING),
                Map.entry("build_in_progress", DeploymentStatus.BUILDING),
                Map.entry("update_in_progress", DeploymentStatus.DEPLOYING),
                Map.entry("pre_deploy_in_progress", DeploymentStatus.DEPLOYING),
                Map.entry("live", DeploymentStatus.READY), Map.entry("build_failed", DeploymentStatus.FAILED),
                Map.entry("update_failed", DeploymentStatus.FAILED),
                Map.entry("pre_deploy_failed", DeploymentStatus.FAILED),
                Map.entry("canceled", DeploymentStatus.CANCELED),
                Map.entry("something_new", DeploymentStatus.STARTING));
        table.forEach((render, slipway) -> assertThat(RenderProvider.map(deploy(render, null)).status()).as(render)
                .isEqualTo(slipway));
    }

    @Test
    void aDeactivatedDeployIsReadyIfItHadGoneLiveAndCanceledIfNot() {
        assertThat(RenderProvider.map(deploy("deactivated", CREATED.plusSeconds(90))).status())
                .isEqualTo(DeploymentStatus.READY);
        var replaced = RenderProvider.map(deploy("deactivated", null));
        assertThat(replaced.status()).isEqualTo(DeploymentStatus.CANCELED);
        assertThat(replaced.reason()).contains("later deploy");
    }

    @Test
    void failuresNameRendersStatus() {
        for (String failed : new String[] { "build_failed", "update_failed", "pre_deploy_failed" }) {
            assertThat(RenderProvider.map(deploy(failed, CREATED.plusSeconds(30))).reason())
                    .isEqualTo("Render deploy failed (" + failed + ")");
        }
        assertThat(RenderProvider.map(deploy("canceled", null)).reason()).isEqualTo("canceled at Render");
    }

    private static Deploy deploy(String status, Instant finishedAt) {
        return new Deploy("dep-1", status, CREATED, finishedAt);
    }
}
