package dev.slipway.queue;

import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.as;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.key;
import static dev.slipway.support.Api.simulatorProject;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.slipway.support.Api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * A provider's own limit holds below the global one: the simulator's deployments never run more than two at a time,
 * and do run two at a time, however many are queued. Judged from the deployments' own start and finish times,
 * which the database clock wrote, so no moment can be missed between samples.
 */
@QuarkusTest
@TestProfile(ProviderLimitTest.TwoSimulatorsAtATime.class)
class ProviderLimitTest {

    /** Room for five deployments in all, two of them the simulator's. */
    public static class TwoSimulatorsAtATime implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("slipway.queue.max-active", "5", "slipway.providers.simulator.max-active", "2");
        }
    }

    @Test
    void theSimulatorsLimitIsReachedAndNeverExceeded() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(deploy(simulatorProject(Map.of("buildSeconds", 1, "logLines", 2)), Map.of()));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> ids.stream().allMatch(id -> "READY".equals(get(id)
                .getString("status"))));

        assertThat(mostAtOnce(ids)).isEqualTo(2);
    }

    /**
     * {@code GET /api/v1/providers} shows the simulator's own limit, how many of its deployments are active (never
     * more than that limit) and how many wait behind them; a provider without its own limit shows the global one.
     * Counts come from the database, so earlier tests' unfinished deployments may add to {@code queued}.
     */
    @Test
    void providersShowsEachProvidersLimitAndItsActiveAndQueuedDeployments() {
        List<String> ids = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                ids.add(deploy(simulatorProject(Map.of("buildSeconds", 600, "logLines", 1)), Map.of()));
            }
            String viewer = key("viewer");
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                JsonPath providers = as(viewer).get("/api/v1/providers").then().statusCode(200).extract().jsonPath();
                return providers.getInt("find { it.name == 'simulator' }.active") == 2
                        && providers.getInt("find { it.name == 'simulator' }.queued") >= 2;
            });

            JsonPath providers = as(viewer).get("/api/v1/providers").then().statusCode(200).extract().jsonPath();
            assertThat(providers.getInt("find { it.name == 'simulator' }.maxActive")).isEqualTo(2);
            assertThat(providers.getBoolean("find { it.name == 'simulator' }.configured")).isTrue();
            assertThat(providers.getString("find { it.name == 'simulator' }.circuit")).isEqualTo("CLOSED");
            assertThat(providers.getString("find { it.name == 'simulator' }.lastError")).isNull();
            assertThat(providers.getList("name")).containsExactly("railway", "render", "simulator", "vercel");
            assertThat(providers.getList("maxActive", Integer.class)).containsExactly(5, 5, 2, 5);
            assertThat(ids.stream().filter(id -> "QUEUED".equals(get(id).getString("status"))).count())
                    .isGreaterThanOrEqualTo(2);
        } finally {
            ids.forEach(Api::cancelIfOpen);
        }
    }

    /** The largest number of the deployments that were active at one moment: a sweep over starts and finishes. */
    private static int mostAtOnce(List<String> ids) {
        record Edge(Instant at, int change) {
        }
        List<Edge> edges = new ArrayList<>();
        for (String id : ids) {
            JsonPath d = get(id);
            edges.add(new Edge(Instant.parse(d.getString("startedAt")), 1));
            edges.add(new Edge(Instant.parse(d.getString("finishedAt")), -1));
        }
        // At the same instant a finish frees its place before a start takes one.
        edges.sort(Comparator.comparing(Edge::at).thenComparing(Edge::change));
        int active = 0;
        int most = 0;
        for (Edge e : edges) {
            active += e.change();
            most = Math.max(most, active);
        }
        return most;
    }

    private static JsonPath get(String id) {
        return admin().get("/api/v1/deployments/" + id).then().statusCode(200).extract().jsonPath();
    }
}
