package dev.slipway.crypto;

/**
 * A table column that holds stored secrets, described for {@link Rotation}. The SQL fragments name columns
 * of the same table; {@code ownerSql} and {@code nameSql} give the two variable parts of each row's
 * {@link SecretContext} (its table part is {@code table}).
 *
 * @param table     the table
 * @param column    the column holding {@code slw:...} values (null allowed)
 * @param keyColumn the table's primary key, to page through rows and to update one row
 * @param keyType   the SQL type of the key ({@code bigint} or {@code text})
 * @param ownerSql  an SQL expression of type text for the context's owner
 * @param nameSql   an SQL expression of type text for the context's name
 */
public record SecretColumn(String table, String column, String keyColumn, String keyType, String ownerSql,
        String nameSql) {

    /** What paging starts after: below every key of the given type. */
    String firstKey() {
        return "bigint".equals(keyType) ? Long.toString(Long.MIN_VALUE) : "";
    }
}
