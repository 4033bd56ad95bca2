package dev.slipway.credential;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.slipway.crypto.Encryption;
import dev.slipway.support.Api;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.vertx.RunOnVertxContext;
import io.quarkus.test.vertx.UniAsserter;

/** The credential service on its own: what it writes to the row. */
@QuarkusTest
class CredentialServiceTest {

    @Inject
    CredentialService credentials;

    @Inject
    Encryption encryption;

    @Test
    @RunOnVertxContext
    void savedTokensAreSealedForTheirOwnRowAndReplacingKeepsCreatedAt(UniAsserter asserter) {
        String name = Api.uniqueName("svc");
        String token = "service-level-token-" + name;
        asserter.assertThat(() -> Panache.withTransaction(() -> credentials.save(name, "railway", token,
                "refresh-" + token, null, null, "workspace-1", Credential.SOURCE_OAUTH)), saved -> {
                    Credential c = saved.credential();
                    assertThat(saved.created()).isTrue();
                    assertThat(c.token).startsWith("slw:test-a:").doesNotContain(token);
                    assertThat(c.refreshToken).startsWith("slw:test-a:");
                    assertThat(c.tokenHint).isEqualTo(token.substring(token.length() - 4));
                    assertThat(encryption.open(c.token, Credential.tokenContext(name))).isEqualTo(token);
                    assertThat(encryption.open(c.refreshToken, Credential.refreshContext(name)))
                            .isEqualTo("refresh-" + token);
                });
        asserter.assertThat(() -> Panache.withTransaction(() -> credentials.save(name, "railway", "replaced-" + token,
                null, null, null, null, Credential.SOURCE_API)), saved -> {
                    assertThat(saved.created()).isFalse();
                    assertThat(saved.credential().refreshToken).isNull();
                    assertThat(saved.credential().source).isEqualTo("api");
                });
    }
}
