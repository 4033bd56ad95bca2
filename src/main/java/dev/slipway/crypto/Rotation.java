package dev.slipway.crypto;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Re-encrypts every stored secret under the keyring's primary key, in batches. Each value is replaced by a
 * conditional update that only applies while the row still holds the ciphertext that was read, so a value
 * changed meanwhile (by the API or a running deployment) is left as its writer stored it, which is already
 * under the primary key. Running it twice re-encrypts nothing the second time.
 */
@ApplicationScoped
public class Rotation {

    /** Rows read and updated per statement. */
    static final int BATCH = 200;

    private final Pool pool;
    private final Encryption encryption;
    private final Instance<SecretColumns> features;

    public Rotation(Pool pool, Encryption encryption, Instance<SecretColumns> features) {
        this.pool = pool;
        this.encryption = encryption;
        this.features = features;
    }

    /** What a rotation did: values re-encrypted, and values already under the primary key. */
    public record Result(String primaryKey, long reencrypted, long alreadyCurrent) {
    }

    /** Rotates every secret column; fails with {@link SecretException} on a value no key decrypts. */
    public Uni<Result> rotate() {
        List<SecretColumn> columns = new ArrayList<>();
        features.forEach(f -> columns.addAll(f.secretColumns()));
        String primary = encryption.box().keyring().primaryId();
        return Multi.createFrom().iterable(columns)
                .onItem().transformToUniAndConcatenate(c -> rotate(c, primary))
                .collect().asList()
                .map(results -> new Result(primary, results.stream().mapToLong(r -> r[0]).sum(),
                        results.stream().mapToLong(r -> r[1]).sum()));
    }

    private Uni<long[]> rotate(SecretColumn c, String primary) {
        String current = SecretBox.PREFIX + primary + ":";
        return pool.preparedQuery("select count(*) as n from " + c.table() + " where " + c.column()
                + " is not null and starts_with(" + c.column() + ", $1)")
                .execute(Tuple.of(current)).map(rows -> rows.iterator().next().getLong("n"))
                .chain(already -> batches(c, current, c.firstKey(), 0).map(done -> {
                    if (done > 0) {
                        Log.infof("Re-encrypted %d value(s) of %s.%s under key '%s'", done, c.table(), c.column(),
                                primary);
                    }
                    return new long[] { done, already };
                }));
    }

    private Uni<Long> batches(SecretColumn c, String current, String after, long doneSoFar) {
        String select = "select " + c.keyColumn() + "::text as k, " + c.column() + " as v, " + c.ownerSql()
                + " as o, " + c.nameSql() + " as n from " + c.table() + " where " + c.column() + " is not null"
                + " and not starts_with(" + c.column() + ", $1) and " + c.keyColumn() + " > $2::text::"
                + c.keyType() + " order by " + c.keyColumn() + " limit " + BATCH;
        return pool.preparedQuery(select).execute(Tuple.of(current, after)).chain(rows -> {
            if (rows.size() == 0) {
                return Uni.createFrom().item(doneSoFar);
            }
            List<Tuple> updates = new ArrayList<>(rows.size());
            String last = after;
            for (Row row : rows) {
                SecretContext context = new SecretContext(c.table(), row.getString("o"), row.getString("n"));
                String old = row.getString("v");
                updates.add(Tuple.of(encryption.box().reseal(old, context), row.getString("k"), old));
                last = row.getString("k");
            }
            String next = last;
            boolean full = rows.size() == BATCH;
            return pool.preparedQuery("update " + c.table() + " set " + c.column() + " = $1 where " + c.keyColumn()
                    + " = $2::text::" + c.keyType() + " and " + c.column() + " = $3")
                    .executeBatch(updates)
                    .map(Rotation::updated)
                    .chain(n -> full ? batches(c, current, next, doneSoFar + n)
                            : Uni.createFrom().item(doneSoFar + n));
        });
    }

    /** The rows changed by every statement of a batch. */
    private static long updated(RowSet<Row> first) {
        long n = 0;
        for (RowSet<Row> rs = first; rs != null; rs = rs.next()) {
            n += rs.rowCount();
        }
        return n;
    }
}
