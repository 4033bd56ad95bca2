package dev.slipway.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.slipway.support.WebhooksOn;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** Receipts: a webhook acts once and only while recent, and old receipts are deleted. */
@QuarkusTest
@TestProfile(WebhooksOn.class)
class WebhookReceiptsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    WebhookReceipts receipts;

    @Inject
    Pool pool;

    @Test
    void aWebhookPollsOnceWhileRecentAndAnotherProvidersSameIdIsAnotherWebhook() {
        String id = "msg_" + UUID.randomUUID();
        assertThat(once("render", id, Instant.now())).isTrue();
        assertThat(once("render", id, Instant.now())).isFalse();
        assertThat(once("vercel", id, Instant.now())).isTrue();
        assertThat(once("render", "msg_" + UUID.randomUUID(), Instant.now().minus(Duration.ofMinutes(6))))
                .isFalse();
        assertThat(once("render", "msg_" + UUID.randomUUID(), Instant.now().plus(Duration.ofMinutes(6))))
                .isFalse();
        // Without an id nothing tells two webhooks apart, so none is a replay.
        assertThat(once("vercel", null, null)).isTrue();
        assertThat(once("vercel", null, null)).isTrue();
    }

    @Test
    void receiptsOlderThanTheWindowAreDeletedInBatches() {
        String provider = "test-" + UUID.randomUUID();
        pool.preparedQuery("""
                insert into webhook_receipt (provider, id, received_at)
                select $1, 'old-' || n, now() - interval '20 minutes' from generate_series(1, $2) n""")
                .execute(Tuple.of(provider, WebhookReceipts.DELETE_BATCH + 5)).await().atMost(WAIT);
        assertThat(receipts.record(provider, "recent").await().atMost(WAIT)).isTrue();

        assertThat(receipts.prune().await().atMost(WAIT)).isGreaterThanOrEqualTo(WebhookReceipts.DELETE_BATCH + 5);
        long left = pool.preparedQuery("select count(*) as n from webhook_receipt where provider = $1")
                .execute(Tuple.of(provider)).await().atMost(WAIT).iterator().next().getLong("n");
        assertThat(left).isEqualTo(1);
    }

    private boolean once(String provider, String id, Instant sentAt) {
        return receipts.once(provider, id, sentAt, () -> Uni.createFrom().item(true))
                .await().atMost(WAIT);
    }
}
