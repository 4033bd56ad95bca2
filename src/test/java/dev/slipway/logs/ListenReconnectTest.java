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
import java.util.stream.LongStream;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.slipway.platform.PgNotifications;
import dev.slipway.support.SseClient;
import dev.slipway.support.WsClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The replica's {@code LISTEN} connection drops while a deployment writes its log: the notifications sent
 * meanwhile are lost, yet live viewers get every line once, in order, and the end, because everything watched
 * is read again once listening resumes; event dashboards are told to re-list.
 */
@QuarkusTest
class ListenReconnectTest {

    @Inject
    Vertx vertx;

    @Inject
    Pool pool;

    @Test
    void viewersGetEveryLineOnceInOrderAfterTheListenConnectionCameBack() throws Exception {
        int lines = 2000;
        String id = deploy(simulatorProject(Map.of("buildSeconds", 4, "logLines", lines)), Map.of());
        String uri = "/ws/deployments/" + id + "/logs";
        WsClient webSocket = WsClient.connect(vertx, RestAssured.port, uri, ADMIN_KEY);
        SseClient sse = SseClient.open(RestAssured.port, "/api/v1/deployments/" + id + "/logs", ADMIN_KEY,
                Map.of(), 0).read();
        WsClient dashboard = WsClient.connect(vertx, RestAssured.port, "/ws/events", ADMIN_KEY);
        await().atMost(Duration.ofSeconds(10)).until(() -> listener() != 0);
        await().atMost(Duration.ofSeconds(15)).until(() -> logSeq(id) > 0);

        // Kill the listening connection each time it comes back, until the deployment has written everything
        // and finished: most of its lines and its end are announced to nobody, and nothing is announced later.
        // The loop runs in the database, so the connection is never up for more than a few milliseconds.
        pool.query("""
                do $$ begin
                    while clock_timestamp() < now() + interval '30 seconds'
                            and (select status from deployment where id = %d) <> 'READY' loop
                        perform pg_stat_clear_snapshot();
                        perform pg_terminate_backend(pid) from pg_stat_activity
                        where application_name = '%s' and datname = current_database();
                        perform pg_sleep(0.002);
                    end loop;
                end $$""".formatted(Long.parseLong(id.substring(2)), PgNotifications.APPLICATION_NAME))
                .execute().await().atMost(Duration.ofSeconds(40));
        assertThat(finished(id)).isTrue();

        await().atMost(Duration.ofSeconds(15)).until(webSocket.closed::isDone);
        assertThat(webSocket.closed.get()).isEqualTo((short) 1000);
        assertThat(webSocket.seqs()).containsExactlyElementsOf(LongStream.rangeClosed(1, lines).boxed().toList());
        assertThat(webSocket.ofType("end")).singleElement().satisfies(m -> assertThat(m.getString("status"))
                .isEqualTo("READY"));

        await().atMost(Duration.ofSeconds(15)).until(sse.ended::isDone);
        assertThat(sse.seqs()).containsExactlyElementsOf(LongStream.rangeClosed(1, lines).boxed().toList());
        assertThat(sse.last().name()).isEqualTo("end");

        // The dashboard missed status changes while nobody listened: it is told to list again, and the feed
        // goes on.
        await().atMost(Duration.ofSeconds(10)).until(() -> !dashboard.ofType("resync").isEmpty());
        assertThat(dashboard.ofType("resync").get(0).getString("message"))
                .isEqualTo("status changes may have been missed; re-list GET /api/v1/deployments");
        String next = deploy(simulatorProject(Map.of("buildSeconds", 0, "logLines", 1)), Map.of());
        await().atMost(Duration.ofSeconds(15)).until(() -> dashboard.ofType("status").stream().anyMatch(
                m -> next.equals(m.getString("deploymentId")) && "READY".equals(m.getString("status"))));
        dashboard.socket.close();
    }

    /** The pid of this application's listening connection, 0 while there is none. */
    private int listener() {
        List<Integer> pids = pool.preparedQuery("""
                select pid from pg_stat_activity
                where application_name = $1 and datname = current_database() and pid <> pg_backend_pid()""")
                .execute(Tuple.of(PgNotifications.APPLICATION_NAME)).await().atMost(Duration.ofSeconds(10))
                .stream().map(r -> r.getInteger("pid")).toList();
        return pids.isEmpty() ? 0 : pids.get(0);
    }

    private long logSeq(String id) {
        return pool.preparedQuery("select log_seq from deployment where id = $1")
                .execute(Tuple.of(Long.parseLong(id.substring(2)))).await().atMost(Duration.ofSeconds(10))
                .iterator().next().getLong("log_seq");
    }

    private boolean finished(String id) {
        return "READY".equals(admin().get("/api/v1/deployments/" + id).then().extract().path("status"));
    }
}
