package dev.slipway.logs;

import static dev.slipway.support.Api.ADMIN_KEY;
import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.simulatorProject;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.LongStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.slipway.support.Api;
import dev.slipway.support.SseClient;
import dev.slipway.support.WsClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Order and completeness while several deployments ingest at once: each viewer gets exactly its own
 * deployment's lines, once each, in seq order, then its end, whatever the others are doing.
 */
@QuarkusTest
@TestProfile(ConcurrentIngestionTest.FiveSlots.class)
class ConcurrentIngestionTest {

    private static final int DEPLOYMENTS = 5;

    /** Room for exactly the five deployments that ingest at once. */
    public static class FiveSlots implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("slipway.queue.max-active", Integer.toString(DEPLOYMENTS));
        }
    }

    @Inject
    Vertx vertx;

    /** One deployment and its viewers: WebSocket clients and one Server-Sent Events stream. */
    private record Followed(String id, int lines, List<WsClient> sockets, SseClient events) {
    }

    @Test
    void everyViewerGetsEveryLineOfItsOwnDeploymentOnceInOrderWhileOthersIngest() throws Exception {
        WsClient dashboard = WsClient.connect(vertx, RestAssured.port, "/ws/events", ADMIN_KEY);
        // Long builds take every slot, so the measured deployments wait in the queue while viewers join, and
        // all start together once the slots free up, however slowly this machine sets the test up.
        List<String> holds = new ArrayList<>();
        try {
            for (int i = 0; i < DEPLOYMENTS; i++) {
                holds.add(deploy(simulatorProject(Map.of("buildSeconds", 3600, "logLines", 0)), Map.of()));
            }
            // A deployment an earlier test left running may hold a slot until it ends.
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> holds.stream().noneMatch(h -> "QUEUED".equals(status(h))));
            followWhileIngestingTogether(dashboard, holds);
        } finally {
            holds.forEach(Api::cancelIfOpen);
            dashboard.socket.close();
        }
    }

    /** Queues the measured deployments behind the holds, follows each, then frees the slots all at once. */
    private void followWhileIngestingTogether(WsClient dashboard, List<String> holds) throws Exception {
        List<Followed> followed = new ArrayList<>();
        for (int i = 0; i < DEPLOYMENTS; i++) {
            // A different line count each: the simulator writes "[n/total] ..." so a line that strays into
            // another deployment's stream differs from the line stored under that seq there.
            int lines = 2000 + 250 * i;
            String id = deploy(simulatorProject(Map.of("buildSeconds", 6, "logLines", lines)), Map.of());
            followed.add(new Followed(id, lines, new ArrayList<>(), null));
        }
        for (int i = 0; i < followed.size(); i++) {
            followed.set(i, follow(followed.get(i)));
        }
        assertThat(followed).allSatisfy(f -> assertThat(status(f.id())).isEqualTo("QUEUED"));
        holds.forEach(Api::cancelIfOpen);
        // A second WebSocket viewer each joins while the lines arrive, so it gets stored lines, then live ones.
        for (Followed f : followed) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !f.sockets().get(0).seqs().isEmpty());
            f.sockets().add(WsClient.connect(vertx, RestAssured.port, "/ws/deployments/" + f.id() + "/logs",
                    ADMIN_KEY));
        }

        for (Followed f : followed) {
            assertGotExactlyItsOwnLines(f);
        }
        // The lines really were ingested at the same time: every deployment was building (the phase in which
        // the simulator writes its lines) before any of them moved on to deploying.
        List<String> ids = followed.stream().map(Followed::id).toList();
        List<String> phases = dashboard.ofType("status").stream().filter(m -> ids.contains(m.getString("deploymentId")))
                .map(m -> m.getString("status")).toList();
        assertThat(phases.subList(0, phases.indexOf("DEPLOYING"))).filteredOn("BUILDING"::equals)
                .hasSize(DEPLOYMENTS);
    }

    /** A WebSocket viewer and a Server-Sent Events stream, both from the start. */
    private Followed follow(Followed deployment) throws Exception {
        String id = deployment.id();
        deployment.sockets().add(WsClient.connect(vertx, RestAssured.port, "/ws/deployments/" + id + "/logs",
                ADMIN_KEY));
        SseClient events = SseClient.open(RestAssured.port, "/api/v1/deployments/" + id + "/logs", ADMIN_KEY,
                Map.of(), 0).read();
        return new Followed(id, deployment.lines(), deployment.sockets(), events);
    }

    private static void assertGotExactlyItsOwnLines(Followed f) throws Exception {
        for (WsClient socket : f.sockets()) {
            await().atMost(Duration.ofSeconds(60)).until(socket.closed::isDone);
        }
        await().atMost(Duration.ofSeconds(60)).until(f.events().ended::isDone);
        // Complete once the streams have ended: they end after the deployment has.
        List<Long> all = LongStream.rangeClosed(1, f.lines()).boxed().toList();
        Map<Long, String> stored = storedMessages(f.id());
        assertThat(stored).hasSize(f.lines());

        for (WsClient socket : f.sockets()) {
            assertThat(socket.closed.get()).isEqualTo((short) 1000);
            assertThat(socket.seqs()).as("WebSocket viewer of %s", f.id()).containsExactlyElementsOf(all);
            assertThat(socket.ofType("log")).as("lines of %s only", f.id())
                    .allSatisfy(m -> assertThat(m.getString("message")).isEqualTo(stored.get(m.getLong("seq"))));
            assertThat(socket.messages).extracting(m -> m.getString("deploymentId")).filteredOn(Objects::nonNull)
                    .containsOnly(f.id());
            JsonObject last = socket.messages.stream().reduce((a, b) -> b).orElseThrow();
            assertThat(last.getString("type")).isEqualTo("end");
            assertThat(last.getString("status")).isEqualTo("READY");
        }

        assertThat(f.events().seqs()).as("SSE viewer of %s", f.id()).containsExactlyElementsOf(all);
        assertThat(f.events().named("log")).allSatisfy(e -> {
            assertThat(e.id()).isEqualTo(Long.toString(e.json().getLong("seq")));
            assertThat(e.json().getString("message")).isEqualTo(stored.get(e.json().getLong("seq")));
        });
        assertThat(f.events().events).extracting(e -> e.json().getString("deploymentId"))
                .filteredOn(Objects::nonNull).containsOnly(f.id());
        assertThat(f.events().last().name()).isEqualTo("end");
    }

    private static String status(String id) {
        return admin().get("/api/v1/deployments/" + id).then().statusCode(200).extract().path("status");
    }

    /** The deployment's stored lines, message by seq. */
    private static Map<Long, String> storedMessages(String id) {
        List<Map<String, Object>> items = admin().get("/api/v1/deployments/" + id + "/logs?after=0&limit=10000")
                .then().statusCode(200).extract().jsonPath().getList("items");
        Map<Long, String> bySeq = new HashMap<>();
        items.forEach(m -> bySeq.put(((Number) m.get("seq")).longValue(), (String) m.get("message")));
        return bySeq;
    }
}
