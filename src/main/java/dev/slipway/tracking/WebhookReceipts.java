package dev.slipway.tracking;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.logging.Log;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Lets each verified provider webhook cause at most one poll: one sent too long ago (or dated in the future) is
 * ignored, and so is one whose receipt is already in the database, whichever replica took it first. Receipts
 * are kept a little longer than a webhook stays acceptable, then deleted in small batches.
 */
@ApplicationScoped
public class WebhookReceipts {

    /** How far a webhook's own time may be from Slipway's before it is no longer acted on. */
    public static final Duration TOLERANCE = Duration.ofMinutes(5);
    /** Past this a receipt cannot stop anything: a webhook that old (or that far ahead) is refused anyway. */
    static final Duration KEEP = TOLERANCE.multipliedBy(3);
    static final int DELETE_BATCH = 1000;

    private final Pool pool;

    public WebhookReceipts(Pool pool) {
        this.pool = pool;
    }

    /**
     * Runs {@code poll} when the webhook is recent ({@code sentAt} within {@link #TOLERANCE}; null when the webhook
     * carries no time, which leaves the judgement to the provider's reader) and {@code receipt} was not seen
     * before (null when nothing tells the webhook apart from another, so it is never a replay). Answers what
     * {@code poll} answered, or false when it did not run.
     */
    public Uni<Boolean> once(String provider, String receipt, Instant sentAt, Supplier<Uni<Boolean>> poll) {
        if (sentAt != null && !recent(sentAt, Instant.now())) {
            Log.debugf("%s webhook sent at %s is outside the %s window; ignored", provider, sentAt, TOLERANCE);
            return Uni.createFrom().item(false);
        }
        Uni<Boolean> first = receipt == null ? Uni.createFrom().item(true) : record(provider, receipt);
        // A receipt stored just before a failed poll request swallows that webhook: the regular poll still comes.
        return first.chain(isFirst -> {
            if (!isFirst) {
                Log.debugf("%s webhook already received; ignored", provider);
                return Uni.createFrom().item(false);
            }
            return poll.get();
        });
    }

    static boolean recent(Instant sentAt, Instant now) {
        return Duration.between(sentAt, now).abs().compareTo(TOLERANCE) <= 0;
    }

    /** Stores the receipt; answers whether it is new. */
    Uni<Boolean> record(String provider, String receipt) {
        return pool.preparedQuery("insert into webhook_receipt (provider, id) values ($1, $2) on conflict do nothing")
                .execute(Tuple.of(provider, sha256(receipt))).map(result -> result.rowCount() == 1);
    }

    @Scheduled(every = "1m", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return prune().onFailure().invoke(e -> Log.warnf("Deleting old webhook receipts failed: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Deletes receipts older than {@link #KEEP}, batch after batch; answers how many. */
    Uni<Integer> prune() {
        return pool.preparedQuery("""
                delete from webhook_receipt where (provider, id) in (
                    select provider, id from webhook_receipt
                    where received_at < now() - $1 * interval '1 millisecond'
                    limit $2 for update skip locked)""")
                .execute(Tuple.of(KEEP.toMillis(), DELETE_BATCH))
                .chain(result -> result.rowCount() < DELETE_BATCH ? Uni.createFrom().item(result.rowCount())
                        : prune().map(more -> more + result.rowCount()));
    }

    /** Stored hashed: bounded in size whatever the provider sent, and nothing of the payload kept. */
    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
