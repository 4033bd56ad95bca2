package dev.slipway.project;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.slipway.crypto.SecretColumn;
import dev.slipway.crypto.SecretColumns;

/** The projects' secrets, for rotation: environment variable values. */
@ApplicationScoped
public class EnvSecretColumns implements SecretColumns {

    @Override
    public List<SecretColumn> secretColumns() {
        // Must match EnvVar.context: owner is the project id, name is the key.
        return List.of(new SecretColumn("project_env", "value", "id", "bigint", "project_id::text", "key"));
    }
}
