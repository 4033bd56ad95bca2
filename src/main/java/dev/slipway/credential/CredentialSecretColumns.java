package dev.slipway.credential;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.slipway.crypto.SecretColumn;
import dev.slipway.crypto.SecretColumns;

/** The credential feature's secrets, for rotation: tokens, refresh tokens and OAuth PKCE verifiers. */
@ApplicationScoped
public class CredentialSecretColumns implements SecretColumns {

    @Override
    public List<SecretColumn> secretColumns() {
        // The owner and name parts must match Credential.tokenContext/refreshContext and OAuthState.context.
        return List.of(
                new SecretColumn("credential", "token", "id", "bigint", "name", "'token'"),
                new SecretColumn("credential", "refresh_token", "id", "bigint", "name", "'refresh_token'"),
                new SecretColumn("oauth_state", "code_verifier", "state_hash", "text", "state_hash",
                        "'code_verifier'"));
    }
}
