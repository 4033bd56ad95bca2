package dev.slipway.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Searches every row of every table of the database for a plaintext value, the way a {@code pg_dump} would
 * show it: each row as text. Called from the test thread, where waiting is allowed.
 */
public final class Plaintext {

    private Plaintext() {
    }

    /** The tables (and their count of rows) that contain {@code value} anywhere in plaintext. */
    public static List<String> tablesContaining(Pool pool, String value) {
        List<String> tables = new ArrayList<>();
        for (Row t : pool.query("""
                select table_name from information_schema.tables
                where table_schema = current_schema() and table_type = 'BASE TABLE'""").execute()
                .await().atMost(Duration.ofSeconds(10))) {
            String table = t.getString("table_name");
            long n = pool.preparedQuery("select count(*) as n from \"" + table + "\" r where strpos(r::text, $1) > 0")
                    .execute(Tuple.of(value)).await().atMost(Duration.ofSeconds(30)).iterator().next().getLong("n");
            if (n > 0) {
                tables.add(table + " (" + n + " rows)");
            }
        }
        return tables;
    }
}
