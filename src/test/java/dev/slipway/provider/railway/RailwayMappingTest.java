package dev.slipway.provider.railway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.deployment.DeploymentStatus;
import dev.slipway.provider.DeploymentProvider.LogLine;
import dev.slipway.provider.railway.RailwayClient.Kind;
import dev.slipway.provider.railway.RailwayModels.Deployment;
import dev.slipway.provider.railway.RailwayModels.Log;
import dev.slipway.provider.railway.RailwayProvider.Position;

/** Railway's states and errors as Slipway takes them, and the log cursor when {@code startDate} is inclusive. */
class RailwayMappingTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void everyDeploymentStatusMapsAsProvidersMdSays() {
        Map<String, DeploymentStatus> table = Map.ofEntries(Map.entry("QUEUED", DeploymentStatus.STARTING),
                Map.entry("WAITING", DeploymentStatus.STARTING), Map.entry("INITIALIZING", DeploymentStatus.STARTING),
                Map.entry("NEEDS_APPROVAL", DeploymentStatus.STARTING), Map.entry("BUILDING", DeploymentStatus.BUILDING),
                Map.entry("DEPLOYING", DeploymentStatus.DEPLOYING), Map.entry("SUCCESS", DeploymentStatus.READY),
                Map.entry("SLEEPING", DeploymentStatus.READY), Map.entry("FAILED", DeploymentStatus.FAILED),
                Map.entry("CRASHED", DeploymentStatus.FAILED), Map.entry("REMOVED", DeploymentStatus.CANCELED),
                Map.entry("REMOVING", DeploymentStatus.CANCELED), Map.entry("SKIPPED", DeploymentStatus.CANCELED),
                Map.entry("SOMETHING_NEW", DeploymentStatus.STARTING));
        table.forEach((railway, slipway) -> assertThat(RailwayProvider.map(deployment(railway, "web.up.railway.app"))
                .status()).as(railway).isEqualTo(slipway));
        assertThat(RailwayProvider.map(deployment("SUCCESS", "web.up.railway.app")).url())
                .isEqualTo("https://web.up.railway.app");
        assertThat(RailwayProvider.map(deployment("SUCCESS", null)).url()).isNull();
        assertThat(RailwayProvider.map(deployment("CRASHED", null)).reason()).contains("Railway").contains("CRASHED");
    }

    @Test
    void errorsAreSortedByCodeOrElseByMessage() throws Exception {
        assertThat(kind("{\"message\":\"Not Authorized\"}")).isEqualTo(Kind.TOKEN);
        assertThat(kind("{\"message\":\"x\",\"extensions\":{\"code\":\"FORBIDDEN\"}}")).isEqualTo(Kind.TOKEN);
        assertThat(kind("{\"message\":\"Problem processing request\"}")).isEqualTo(Kind.TRANSIENT);
        assertThat(kind("{\"message\":\"boom\",\"extensions\":{\"code\":\"INTERNAL_SERVER_ERROR\"}}"))
                .isEqualTo(Kind.TRANSIENT);
        assertThat(kind("{\"message\":\"You hit the rate limit\"}")).isEqualTo(Kind.RATE_LIMITED);
        assertThat(kind("{\"message\":\"Service not found\"}")).isEqualTo(Kind.INPUT);
        assertThat(kind("{\"message\":\"Variable \\\"$id\\\" of required type \\\"String!\\\" was not provided.\","
                + "\"extensions\":{\"code\":\"GRAPHQL_VALIDATION_FAILED\"}}")).isEqualTo(Kind.INPUT);
    }

    @Test
    void withAnInclusiveStartDateLinesAtTheCursorAreNotRepeatedAndNewOnesAtItAreKept() {
        Instant t = Instant.parse("2026-12-03T10:00:00.123456789Z");
        Position from = new Position(t, 2);
        // Railway answered from just before the cursor: an older line, the two already read, then new ones.
        RailwayProvider.Page page = RailwayProvider.after(List.of(log(t.minusNanos(5), "old"), log(t, "a"),
                log(t, "b"), log(t, "c"), log(t.plusNanos(1), "d")), from);

        assertThat(page.lines()).extracting(LogLine::message).containsExactly("c", "d");
        assertThat(page.next()).isEqualTo(new Position(t.plusNanos(1), 1));
        assertThat(page.more()).isFalse();
        assertThat(Position.parse(page.next() + ";")[0]).isEqualTo(page.next());
    }

    private Kind kind(String error) throws Exception {
        return RailwayClient.kind(json.readTree(error));
    }

    private static Deployment deployment(String status, String staticUrl) {
        return new Deployment("d", status, staticUrl, null, Instant.now());
    }

    private static Log log(Instant at, String message) {
        return new Log(at, message, "info");
    }
}
