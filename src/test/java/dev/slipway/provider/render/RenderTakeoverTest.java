package dev.slipway.provider.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A replica that dies while starting a Render deploy, before it stored Render's id: Render has no tag to find
 * the deploy by, so the replica taking over must not trigger a second one blindly; it fails the deployment and
 * says what to check at Render.
 */
@QuarkusTest
@TestProfile(RenderProviderTest.WithFakeRender.class)
class RenderTakeoverTest {

    @Inject
    Pool pool;

    @Test
    void aDeploymentTakenOverWhileStartingWithoutAnIdFailsAndSaysWhatToCheck() {
        String service = RenderTakeoverTest.class.getSimpleName().toLowerCase() + "-" + System.nanoTime();
        String project = RenderProviderTest.project(service, RenderProviderTest.credential(), null);
        // The dead replica's claim: started, no provider id stored; its lease has just run out.
        long row = pool.preparedQuery("""
                insert into deployment (project_id, provider, environment, status, attempts, lease_owner,
                    lease_epoch, lease_expires_at, started_at)
                select id, 'render', 'production', 'STARTING', 1, 'replica-that-died', 1,
                    now() - interval '1 second', now() - interval '10 seconds'
                from project where name = $1 returning id""").execute(Tuple.of(project)).await()
                .atMost(Duration.ofSeconds(10)).iterator().next().getLong("id");
        String id = "d-" + row;

        await().atMost(Duration.ofSeconds(30)).until(() -> "FAILED".equals(RenderProviderTest.get(id)
                .getString("status")));
        JsonPath failed = RenderProviderTest.get(id);
        assertThat(failed.getString("statusReason"))
                .startsWith("Slipway lost track of this deployment while starting it at render; check render ")
                .contains("started around " + failed.getString("startedAt"));
        assertThat(failed.getInt("attempts")).as("the takeover counts as an attempt").isEqualTo(2);
        assertThat(failed.getString("providerDeploymentId")).isNull();
        // Nothing was sent to Render for this service: no second deploy, not even a look-up.
        assertThat(RenderProviderTest.requests(service, null, null)).isEmpty();
        assertThat(leaseOwner(row)).as("no replica holds a finished deployment").isNull();
    }

    private String leaseOwner(long row) {
        return pool.preparedQuery("select lease_owner from deployment where id = $1").execute(Tuple.of(row))
                .await().atMost(Duration.ofSeconds(10)).iterator().next().getString("lease_owner");
    }
}
