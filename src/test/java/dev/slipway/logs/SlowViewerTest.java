package dev.slipway.logs;

import static dev.slipway.support.Api.ADMIN_KEY;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.simulatorProject;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.slipway.queue.QueueStore;
import dev.slipway.support.SseClient;
import dev.slipway.support.WsClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Back-pressure: a viewer that stops reading is cut off (WebSocket: 1013; Server-Sent Events: a last
 * {@code too-slow} event); the others get every line. The same for event dashboards on {@code /ws/events}.
 */
@QuarkusTest
@TestProfile(SlowViewerTest.SmallBuffers.class)
class SlowViewerTest {

    /** A small send buffer, and small kernel socket buffers so a stalled client shows quickly. */
    public static class SmallBuffers implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("slipway.logs.send-buffer", "2000", "test.slipway.socket-send-buffer", "16384");
        }
    }

    private static final int LINES = 20_000;

    @Inject
    Vertx vertx;

    @Inject
    Pool pool;

    @Test
    void viewerThatStopsReadingIsClosedWith1013WhileAnotherGetsEveryLine() throws Exception {
        // About 2,900 lines a second for 7 s: a reading client keeps up easily, a stalled one cannot.
        String id = deploy(simulatorProject(Map.of("buildSeconds", 10, "logLines", LINES)), Map.of());
        String uri = "/ws/deployments/" + id + "/logs";
        double cutBefore = cutViewers();

        WsClient stalled = WsClient.connect(vertx, new WebSocketClientOptions().setReceiveBufferSize(4096),
                "localhost", RestAssured.port, uri, ADMIN_KEY);
        stalled.socket.pause();
        WsClient reader = WsClient.connect(vertx, RestAssured.port, uri, ADMIN_KEY);

        await().atMost(Duration.ofSeconds(30)).until(() -> cutViewers() > cutBefore);
        assertThat(reader.closed).isNotDone();
        // Reading again lets the stalled client take what was sent before the cut, then the close frame.
        stalled.socket.resume();
        await().atMost(Duration.ofSeconds(10)).until(stalled.closed::isDone);
        assertThat(stalled.closed.get()).isEqualTo((short) 1013);
        long last = stalled.seqs().isEmpty() ? 0 : stalled.seqs().get(stalled.seqs().size() - 1);
        assertThat(stalled.closeReason).isEqualTo("too slow; reconnect with ?after=" + last);
        assertThat(last).isLessThan(LINES);

        await().atMost(Duration.ofSeconds(40)).until(reader.closed::isDone);
        assertThat(reader.closed.get()).isEqualTo((short) 1000);
        assertThat(reader.seqs()).containsExactlyElementsOf(LongStream.rangeClosed(1, LINES).boxed().toList());
        assertThat(reader.messages.stream().reduce((a, b) -> b).orElseThrow().getString("type")).isEqualTo("end");

        // Resuming where it was cut gives the stalled viewer exactly the rest.
        WsClient resumed = WsClient.connect(vertx, RestAssured.port, uri + "?after=" + last, ADMIN_KEY);
        await().atMost(Duration.ofSeconds(30)).until(resumed.closed::isDone);
        assertThat(resumed.seqs()).containsExactlyElementsOf(
                LongStream.rangeClosed(last + 1, LINES).boxed().toList());
    }

    @Test
    void viewerThatStopsReadingWhileCatchingUpFromHistoryIsClosedToo() throws Exception {
        String id = deploy(simulatorProject(Map.of("buildSeconds", 0, "logLines", LINES)), Map.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> "READY".equals(dev.slipway.support.Api.admin()
                .get("/api/v1/deployments/" + id).then().extract().path("status")));
        double cutBefore = cutViewers();

        // Everything is history now: the ring never evicts anything this viewer needs, the stall rule must act.
        WsClient stalled = WsClient.connect(vertx, new WebSocketClientOptions().setReceiveBufferSize(4096),
                "localhost", RestAssured.port, "/ws/deployments/" + id + "/logs", ADMIN_KEY);
        stalled.socket.pause();
        await().atMost(Duration.ofSeconds(30)).until(() -> cutViewers() > cutBefore);
        stalled.socket.resume();
        await().atMost(Duration.ofSeconds(10)).until(stalled.closed::isDone);
        assertThat(stalled.closed.get()).isEqualTo((short) 1013);
        long last = stalled.seqs().get(stalled.seqs().size() - 1);
        assertThat(stalled.seqs()).containsExactlyElementsOf(LongStream.rangeClosed(1, last).boxed().toList());
        assertThat(stalled.closeReason).isEqualTo("too slow; reconnect with ?after=" + last);
    }

    @Test
    void serverSentEventsStreamThatStopsReadingEndsWithTooSlowWhileAnotherGetsEveryLine() throws Exception {
        // Lines for about 8 s: a stalled stream that started in the stored history is cut by the stall rule
        // (5 to 10 s), which may come after the last line.
        String id = deploy(simulatorProject(Map.of("buildSeconds", 12, "logLines", LINES)), Map.of());
        String uri = "/api/v1/deployments/" + id + "/logs";
        double cutBefore = cutViewers();

        SseClient stalled = SseClient.open(RestAssured.port, uri, ADMIN_KEY, Map.of(), 4096);
        SseClient reader = SseClient.open(RestAssured.port, uri, ADMIN_KEY, Map.of(), 0).read();

        await().atMost(Duration.ofSeconds(30)).until(() -> cutViewers() > cutBefore);
        // Reading again, the stalled client takes what was sent before the cut, the too-slow event, then the end.
        stalled.read();
        await().atMost(Duration.ofSeconds(10)).until(stalled.ended::isDone);
        assertThat(stalled.ended.get()).isEqualTo(200);
        List<Long> seqs = stalled.seqs();
        long last = seqs.isEmpty() ? 0 : seqs.get(seqs.size() - 1);
        assertThat(last).isLessThan(LINES);
        assertThat(seqs).containsExactlyElementsOf(LongStream.rangeClosed(1, last).boxed().toList());
        SseClient.Event farewell = stalled.last();
        assertThat(farewell.name()).isEqualTo("too-slow");
        // Its id is what a browser sends back as Last-Event-ID.
        assertThat(farewell.id()).isEqualTo(Long.toString(last));
        assertThat(farewell.json().getString("message")).isEqualTo("too slow; reconnect with Last-Event-ID: " + last);
        assertThat(farewell.json().getLong("seq")).isEqualTo(last);

        await().atMost(Duration.ofSeconds(40)).until(reader.ended::isDone);
        assertThat(reader.seqs()).containsExactlyElementsOf(LongStream.rangeClosed(1, LINES).boxed().toList());
        assertThat(reader.last().name()).isEqualTo("end");
        assertThat(reader.named("too-slow")).isEmpty();

        // Resuming with that Last-Event-ID gives exactly the rest.
        SseClient resumed = SseClient.open(RestAssured.port, uri, ADMIN_KEY,
                Map.of("Last-Event-ID", farewell.id()), 0).read();
        await().atMost(Duration.ofSeconds(30)).until(resumed.ended::isDone);
        assertThat(resumed.seqs()).containsExactlyElementsOf(LongStream.rangeClosed(last + 1, LINES).boxed().toList());
        assertThat(resumed.last().name()).isEqualTo("end");
    }

    @Test
    void eventDashboardThatStopsReadingIsClosedWith1013WhileAnotherGetsEveryEvent() throws Exception {
        WsClient stalled = WsClient.connect(vertx, new WebSocketClientOptions().setReceiveBufferSize(4096),
                "localhost", RestAssured.port, "/ws/events", ADMIN_KEY);
        stalled.socket.pause();
        WsClient reader = WsClient.connect(vertx, RestAssured.port, "/ws/events", ADMIN_KEY);
        double cutBefore = cutDashboards();

        // Far more status changes than the socket buffers hold, as other replicas announce them (ids of
        // deployments that do not exist, so nobody else reacts to them).
        int changes = 2000;
        long firstId = 900_000_000L + System.nanoTime() % 1_000_000L * 10_000L;
        announce(firstId + 1, changes);
        await().atMost(Duration.ofSeconds(30)).until(() -> announced(reader, firstId).size() == changes);

        // The stalled dashboard takes nothing: once that has lasted long enough, the next change closes it.
        AtomicLong next = new AtomicLong(firstId + changes);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
            announce(next.incrementAndGet(), 1);
            return cutDashboards() > cutBefore;
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> announced(reader, firstId).size() == next.get() - firstId);
        assertThat(announced(reader, firstId)).containsExactlyElementsOf(
                LongStream.rangeClosed(firstId + 1, next.get()).boxed().toList());
        assertThat(reader.closed).isNotDone();

        stalled.socket.resume();
        await().atMost(Duration.ofSeconds(10)).until(stalled.closed::isDone);
        assertThat(stalled.closed.get()).isEqualTo((short) 1013);
        assertThat(stalled.closeReason).isEqualTo("too slow; reconnect and re-list GET /api/v1/deployments");
        // It got what was handed to its socket before the cut, and nothing after.
        List<Long> got = announced(stalled, firstId);
        assertThat(got).isEqualTo(announced(reader, firstId).subList(0, got.size()));
        assertThat(got.size()).isLessThan(announced(reader, firstId).size());
        reader.socket.close();
    }

    /** Announces status changes of deployments {@code from}, {@code from + 1}, ... in one transaction. */
    private void announce(long from, int count) {
        pool.preparedQuery(
                "select count(pg_notify($1, ($2::bigint + i) || ':0:READY:1')) from generate_series(0, $3) i")
                .execute(Tuple.of(QueueStore.EVENTS_CHANNEL, from, count - 1)).await()
                .atMost(Duration.ofSeconds(10));
    }

    private static double cutDashboards() {
        return counter("slipway_event_viewers_too_slow_total");
    }

    /** The deployment ids (from {@code firstId} on) a dashboard was told about, in order. */
    private static List<Long> announced(WsClient dashboard, long firstId) {
        return dashboard.ofType("status").stream().map(m -> Long.parseLong(m.getString("deploymentId").substring(2)))
                .filter(id -> id > firstId).toList();
    }

    private static double cutViewers() {
        return counter("slipway_log_viewers_too_slow_total");
    }

    private static double counter(String name) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith(name))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
