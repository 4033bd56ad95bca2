package dev.slipway.logs;

import static dev.slipway.support.Api.ADMIN_KEY;
import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.simulatorProject;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.slipway.queue.QueueStore;
import dev.slipway.support.SseClient;
import dev.slipway.support.WsClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** Live logs as a browser or a bot sees them: WebSocket and Server-Sent Events. */
@QuarkusTest
class LiveLogsTest {

    @Inject
    Vertx vertx;

    @Inject
    Pool pool;

    @Test
    void webSocketSendsHistoryThenLiveLinesThenEndAndCloses() throws Exception {
        String project = simulatorProject(Map.of("buildSeconds", 3, "logLines", 30));
        String id = deploy(project, Map.of());
        // Join once some lines are stored, so the stream has both history and live lines to send.
        await().atMost(Duration.ofSeconds(15)).until(() -> admin().get("/api/v1/deployments/" + id + "/logs")
                .then().extract().jsonPath().getList("items").size() >= 3);

        Session session = connect("/ws/deployments/" + id + "/logs", ADMIN_KEY);
        await().atMost(Duration.ofSeconds(20)).until(session.closed::isDone);

        List<JsonObject> logs = session.ofType("log");
        assertThat(logs).extracting(m -> m.getLong("seq"))
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 30).boxed().toList());
        assertThat(session.ofType("status")).extracting(m -> m.getString("status")).contains("READY");
        JsonObject last = session.messages.get(session.messages.size() - 1);
        assertThat(last.getString("type")).isEqualTo("end");
        assertThat(last.getString("status")).isEqualTo("READY");
        assertThat(session.closed.get()).isEqualTo((short) 1000);
    }

    @Test
    void webSocketResumesAfterTheGivenSeq() throws Exception {
        String project = simulatorProject(Map.of("buildSeconds", 0, "logLines", 12));
        String id = deploy(project, Map.of());
        awaitStatus(id, "READY");

        Session session = connect("/ws/deployments/" + id + "/logs?after=7", ADMIN_KEY);
        await().atMost(Duration.ofSeconds(10)).until(session.closed::isDone);

        assertThat(session.ofType("log")).extracting(m -> m.getLong("seq")).containsExactly(8L, 9L, 10L, 11L, 12L);
        assertThat(session.ofType("end")).hasSize(1);
    }

    @Test
    void viewersJoiningAtSeveralOffsetsWhileLinesArriveGetEveryLaterLineOnceInOrder() throws Exception {
        int lines = 3000;
        String id = deploy(simulatorProject(Map.of("buildSeconds", 4, "logLines", lines)), Map.of());
        String uri = "/ws/deployments/" + id + "/logs";
        Map<Long, WsClient> viewers = new java.util.LinkedHashMap<>();
        viewers.put(0L, WsClient.connect(vertx, RestAssured.port, uri, ADMIN_KEY));
        // Join while lines arrive: some offsets are in the stored history, some ahead of what is stored.
        for (long after : new long[] { 1, 500, 1200, 2999 }) {
            await().atMost(Duration.ofSeconds(20)).until(() -> storedUpTo(id) >= Math.min(after, 1500));
            viewers.put(after, WsClient.connect(vertx, RestAssured.port, uri + "?after=" + after, ADMIN_KEY));
        }

        for (Map.Entry<Long, WsClient> viewer : viewers.entrySet()) {
            await().atMost(Duration.ofSeconds(30)).until(viewer.getValue().closed::isDone);
            assertThat(viewer.getValue().seqs()).as("viewer after %d", viewer.getKey()).containsExactlyElementsOf(
                    LongStream.rangeClosed(viewer.getKey() + 1, lines).boxed().toList());
            assertThat(viewer.getValue().ofType("end")).hasSize(1);
        }
    }

    @Test
    void serverSentEventsResumingAtSeveralOffsetsWhileLinesArriveGetEveryLaterLineOnceInOrder() throws Exception {
        int lines = 3000;
        String id = deploy(simulatorProject(Map.of("buildSeconds", 4, "logLines", lines)), Map.of());
        String uri = "/api/v1/deployments/" + id + "/logs";
        Map<Long, SseClient> viewers = new java.util.LinkedHashMap<>();
        viewers.put(0L, SseClient.open(RestAssured.port, uri, ADMIN_KEY, Map.of(), 0).read());
        // Reconnect as a browser does, while lines arrive: some in the stored history, some ahead of it.
        for (long after : new long[] { 1, 500, 1200, 2999 }) {
            await().atMost(Duration.ofSeconds(20)).until(() -> storedUpTo(id) >= Math.min(after, 1500));
            viewers.put(after, SseClient.open(RestAssured.port, uri, ADMIN_KEY,
                    Map.of("Last-Event-ID", Long.toString(after)), 0).read());
        }

        for (Map.Entry<Long, SseClient> viewer : viewers.entrySet()) {
            await().atMost(Duration.ofSeconds(30)).until(viewer.getValue().ended::isDone);
            assertThat(viewer.getValue().seqs()).as("viewer after %d", viewer.getKey()).containsExactlyElementsOf(
                    LongStream.rangeClosed(viewer.getKey() + 1, lines).boxed().toList());
            assertThat(viewer.getValue().named("log")).allSatisfy(e -> assertThat(e.id())
                    .isEqualTo(Long.toString(e.json().getLong("seq"))));
            assertThat(viewer.getValue().last().name()).isEqualTo("end");
        }
    }

    @Test
    void webSocketNeedsAnApiKey() {
        String project = simulatorProject(Map.of("buildSeconds", 0, "logLines", 1));
        String id = deploy(project, Map.of());
        CompletableFuture<WebSocket> attempt = client().connect(options("/ws/deployments/" + id + "/logs", null))
                .toCompletionStage().toCompletableFuture();
        await().atMost(Duration.ofSeconds(10)).until(attempt::isDone);
        assertThat(attempt).isCompletedExceptionally();
    }

    @Test
    void eventsSocketSeesEveryStatusChange() throws Exception {
        Session session = connect("/ws/events", ADMIN_KEY);
        String project = simulatorProject(Map.of("buildSeconds", 1, "logLines", 3));
        String id = deploy(project, Map.of());

        await().atMost(Duration.ofSeconds(15)).until(() -> session.ofType("status").stream()
                .anyMatch(m -> id.equals(m.getString("deploymentId")) && "READY".equals(m.getString("status"))));
        List<String> states = session.ofType("status").stream().filter(m -> id.equals(m.getString("deploymentId")))
                .map(m -> m.getString("status")).toList();
        assertThat(states).startsWith("QUEUED", "STARTING").endsWith("READY");
        session.socket.close();
    }

    @Test
    void eventsSocketSendsAReasonOnlyWithTheStatusItWasWrittenFor() throws Exception {
        String id = deploy(simulatorProject(Map.of("buildSeconds", 3600, "logLines", 0)), Map.of());
        admin().post("/api/v1/deployments/" + id + "/cancel").then().statusCode(200);
        Session session = connect("/ws/events", ADMIN_KEY);
        // The dashboard hears changes once its feed has started: announce a deployment that does not exist until
        // it arrives.
        long probe = 800_000_000L + System.nanoTime() % 100_000_000L;
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
            pool.preparedQuery("select pg_notify($1, $2)").execute(Tuple.of(QueueStore.EVENTS_CHANNEL,
                    probe + ":0:READY:1")).await().atMost(Duration.ofSeconds(10));
            return session.ofType("status").stream().anyMatch(m -> ("d-" + probe).equals(m.getString("deploymentId")));
        });

        // A change the cancel has already overtaken, then the cancel, announced together: the dashboard reads the
        // reason once, and it was written for CANCELED, not for BUILDING.
        pool.preparedQuery("select pg_notify($1, $2), pg_notify($1, $3)").execute(Tuple.of(
                QueueStore.EVENTS_CHANNEL, id.substring(2) + ":0:BUILDING:1", id.substring(2) + ":0:CANCELED:1"))
                .await().atMost(Duration.ofSeconds(10));
        await().atMost(Duration.ofSeconds(10)).until(() -> session.ofType("status").stream()
                .anyMatch(m -> id.equals(m.getString("deploymentId")) && "CANCELED".equals(m.getString("status"))));

        List<JsonObject> mine = session.ofType("status").stream().filter(m -> id.equals(m.getString("deploymentId")))
                .toList();
        assertThat(mine).extracting(m -> m.getString("status")).containsExactly("BUILDING", "CANCELED");
        assertThat(mine.get(0).getString("statusReason")).isNull();
        assertThat(mine.get(1).getString("statusReason")).startsWith("canceled by ");
        session.socket.close();
    }

    @Test
    void serverSentEventsFollowAndResumeFromLastEventId() {
        String project = simulatorProject(Map.of("buildSeconds", 1, "logLines", 10));
        String id = deploy(project, Map.of());

        String stream = admin().accept("text/event-stream").get("/api/v1/deployments/" + id + "/logs")
                .then().statusCode(200).extract().asString();
        assertThat(stream).contains("id:1\n").contains("id:10\n").contains("event:end");
        assertThat(stream.indexOf("id:10\n")).isLessThan(stream.indexOf("event:end"));

        String resumed = admin().accept("text/event-stream").header("Last-Event-ID", "8")
                .get("/api/v1/deployments/" + id + "/logs").then().statusCode(200).extract().asString();
        assertThat(resumed).doesNotContain("id:8\n").contains("id:9\n").contains("id:10\n");
    }

    @Test
    void streamOfAnUnknownDeploymentIsNotFound() {
        admin().accept("text/event-stream").get("/api/v1/deployments/d-987654321/logs")
                .then().statusCode(404).contentType("application/problem+json");
    }

    private static long storedUpTo(String id) {
        List<Long> seqs = admin().get("/api/v1/deployments/" + id + "/logs?after=0&limit=10000").then()
                .extract().jsonPath().getList("items.seq", Long.class);
        return seqs.isEmpty() ? 0 : seqs.get(seqs.size() - 1);
    }

    private void awaitStatus(String id, String status) {
        await().atMost(Duration.ofSeconds(15)).until(() -> status.equals(
                admin().get("/api/v1/deployments/" + id).then().extract().path("status")));
    }

    private WebSocketClient client() {
        return vertx.createWebSocketClient();
    }

    private WebSocketConnectOptions options(String uri, String key) {
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("localhost")
                .setPort(RestAssured.port).setURI(uri);
        if (key != null) {
            options.addHeader("Authorization", "Bearer " + key);
        }
        return options;
    }

    private Session connect(String uri, String key) throws Exception {
        Session session = new Session();
        // Handlers are set in the connect callback, on the socket's event loop, before any frame is read.
        session.socket = client().connect(options(uri, key)).onSuccess(socket -> {
            socket.textMessageHandler(text -> session.messages.add(new JsonObject(text)));
            socket.closeHandler(v -> session.closed.complete(socket.closeStatusCode()));
        }).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return session;
    }

    /** What one WebSocket client received. */
    private static final class Session {
        final List<JsonObject> messages = new CopyOnWriteArrayList<>();
        final CompletableFuture<Short> closed = new CompletableFuture<>();
        WebSocket socket;

        List<JsonObject> ofType(String type) {
            return messages.stream().filter(m -> type.equals(m.getString("type"))).toList();
        }
    }
}
