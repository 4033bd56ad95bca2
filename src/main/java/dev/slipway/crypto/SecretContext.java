package dev.slipway.crypto;

import java.nio.charset.StandardCharsets;

/**
 * The identity of the record a secret belongs to (table, owner, key name), bound into its ciphertext as
 * associated data. The same three parts must be given to decrypt, so a value moved to another row, owner
 * or column fails authentication.
 *
 * @param table the table the secret is stored in
 * @param owner the row's stable identity (a credential's name, a project's id, ...)
 * @param name  which secret of the row (a column, or an environment variable's key)
 */
public record SecretContext(String table, String owner, String name) {

    /** The associated data: the three parts joined by NUL, which none of them may contain. */
    public byte[] associatedData() {
        return (table + '\0' + owner + '\0' + name).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return table + "/" + owner + "/" + name;
    }
}
