package dev.slipway.logs;

import static dev.slipway.support.Api.ADMIN_KEY;
import static dev.slipway.support.Api.admin;
import static dev.slipway.support.Api.deploy;
import static dev.slipway.support.Api.simulatorProject;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.slipway.support.WsClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;

/**
 * Back-pressure with the settings an operator gets: the default send buffer and the kernel's own socket
 * buffers (SlowViewerTest shrinks both to see the rules act on a short log). A viewer that stops reading is
 * still cut off with 1013, while ingestion stores every line and a reading viewer gets them all.
 */
@QuarkusTest
class SlowViewerDefaultsTest {

    /**
     * More than the kernel takes off the server for one stalled connection (at most 4 MiB of send buffer on
     * Linux, about 140 bytes a message), so messages are left waiting for the stalled viewer.
     */
    private static final int LINES = 60_000;

    @Inject
    Vertx vertx;

    @Test
    void viewerThatStopsReadingIsClosedWith1013WhileTheLogIsStoredAndReadInFull() throws Exception {
        // About 4,300 lines a second for 14 s.
        String id = deploy(simulatorProject(Map.of("buildSeconds", 20, "logLines", LINES)), Map.of());
        String uri = "/ws/deployments/" + id + "/logs";
        double cutBefore = cutViewers();

        // Only the client is small: a receive buffer as a phone on a poor network might have.
        WsClient stalled = WsClient.connect(vertx, new WebSocketClientOptions().setReceiveBufferSize(4096),
                "localhost", RestAssured.port, uri, ADMIN_KEY);
        stalled.socket.pause();
        WsClient reader = WsClient.connect(vertx, RestAssured.port, uri, ADMIN_KEY);

        await().atMost(Duration.ofSeconds(60)).until(() -> cutViewers() > cutBefore);
        await().atMost(Duration.ofSeconds(60)).until(reader.closed::isDone);
        assertThat(reader.closed.get()).isEqualTo((short) 1000);
        assertThat(reader.seqs()).containsExactlyElementsOf(LongStream.rangeClosed(1, LINES).boxed().toList());
        assertThat(reader.messages.stream().reduce((a, b) -> b).orElseThrow().getString("type")).isEqualTo("end");
        assertThat(storedSeqs(id)).containsExactlyElementsOf(LongStream.rangeClosed(1, LINES).boxed().toList());

        // Reading again, the stalled client takes what was handed to its socket before the cut, then the close.
        stalled.socket.resume();
        await().atMost(Duration.ofSeconds(30)).until(stalled.closed::isDone);
        assertThat(stalled.closed.get()).isEqualTo((short) 1013);
        List<Long> got = stalled.seqs();
        long last = got.isEmpty() ? 0 : got.get(got.size() - 1);
        assertThat(last).isLessThan(LINES);
        assertThat(got).containsExactlyElementsOf(LongStream.rangeClosed(1, last).boxed().toList());
        assertThat(stalled.closeReason).isEqualTo("too slow; reconnect with ?after=" + last);
    }

    /** Every stored seq of the deployment, read page after page. */
    private static List<Long> storedSeqs(String id) {
        List<Long> seqs = new ArrayList<>();
        for (List<Long> page = page(id, 0); !page.isEmpty(); page = page(id, page.get(page.size() - 1))) {
            seqs.addAll(page);
        }
        return seqs;
    }

    private static List<Long> page(String id, long after) {
        return admin().get("/api/v1/deployments/" + id + "/logs?after=" + after + "&limit=10000").then()
                .statusCode(200).extract().jsonPath().getList("items.seq", Long.class);
    }

    private static double cutViewers() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith("slipway_log_viewers_too_slow_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
