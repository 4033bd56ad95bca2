package dev.slipway.provider.vercel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.slipway.deployment.DeploymentStatus;
import dev.slipway.provider.DeploymentProvider.Status;
import dev.slipway.provider.vercel.VercelModels.Deployment;

/** Vercel's {@code readyState} and {@code readySubstate} as Slipway takes them, row by row of providers.md. */
class VercelMappingTest {

    @Test
    void everyReadyStateMapsAsProvidersMdSays() {
        Map<String, DeploymentStatus> table = Map.of("QUEUED", DeploymentStatus.STARTING,
                "INITIALIZING", DeploymentStatus.STARTING, "BUILDING", DeploymentStatus.BUILDING,
                "READY", DeploymentStatus.READY, "ERROR", DeploymentStatus.FAILED,
                "BLOCKED", DeploymentStatus.FAILED, "CANCELED", DeploymentStatus.CANCELED,
                "SOMETHING_NEW", DeploymentStatus.STARTING);
        table.forEach((vercel, slipway) -> assertThat(VercelProvider.map(deployment(vercel, null)).status())
                .as(vercel).isEqualTo(slipway));
    }

    @Test
    void aReadyDeploymentStillStagedOrRollingIsDeployingAndAPromotedOneIsReady() {
        assertThat(VercelProvider.map(deployment("READY", "STAGED")).status()).isEqualTo(DeploymentStatus.DEPLOYING);
        assertThat(VercelProvider.map(deployment("READY", "ROLLING")).status()).isEqualTo(DeploymentStatus.DEPLOYING);
        assertThat(VercelProvider.map(deployment("READY", "STAGED")).url()).isNull();

        Status promoted = VercelProvider.map(deployment("READY", "PROMOTED"));
        assertThat(promoted.status()).isEqualTo(DeploymentStatus.READY);
        assertThat(promoted.url()).isEqualTo("https://shop-abc123.vercel.app");
        assertThat(VercelProvider.map(deployment("READY", null)).url()).isEqualTo("https://shop-abc123.vercel.app");
    }

    @Test
    void failuresSayWhatVercelSaid() {
        Deployment failed = new Deployment("dpl_1", "shop-abc123.vercel.app", "ERROR", null, "BUILD_FAILED",
                "Command \"npm run build\" exited with 1", Map.of());
        assertThat(VercelProvider.map(failed).reason())
                .isEqualTo("Vercel build failed: Command \"npm run build\" exited with 1 (BUILD_FAILED)");
        Deployment blocked = new Deployment("dpl_2", null, "BLOCKED", null, "TEAM_ACCESS_REQUIRED", null, Map.of());
        assertThat(VercelProvider.map(blocked).reason())
                .isEqualTo("Vercel blocked the deployment (TEAM_ACCESS_REQUIRED)");
        assertThat(VercelProvider.map(deployment("CANCELED", null)).reason()).isEqualTo("canceled at Vercel");
    }

    private static Deployment deployment(String readyState, String readySubstate) {
        return new Deployment("dpl_1", "shop-abc123.vercel.app", readyState, readySubstate, null, null, Map.of());
    }
}
