package dev.slipway.provider.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.slipway.platform.ProblemException;

/** Render's signature scheme, checked against the worked example of the Standard Webhooks specification. */
class RenderWebhooksTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final String TIMESTAMP = "1614265330";
    private static final byte[] BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    private static final String SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    @Test
    void theSpecificationsExampleVerifiesAmongOtherEntries() {
        byte[] key = RenderWebhooks.key(SECRET);
        assertThat(RenderWebhooks.matches(ID, TIMESTAMP, BODY, SIGNATURE, key)).isTrue();
        // Several signatures during a secret rotation, and versions Slipway does not know, are allowed.
        assertThat(RenderWebhooks.matches(ID, TIMESTAMP, BODY, "v1a,xyz v1,AAAA " + SIGNATURE, key)).isTrue();
    }

    @Test
    void anyChangeToTheSignedPartsFails() {
        byte[] key = RenderWebhooks.key(SECRET);
        assertThat(RenderWebhooks.matches("msg_other", TIMESTAMP, BODY, SIGNATURE, key)).isFalse();
        assertThat(RenderWebhooks.matches(ID, "1614265331", BODY, SIGNATURE, key)).isFalse();
        assertThat(RenderWebhooks.matches(ID, TIMESTAMP, "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8),
                SIGNATURE, key)).isFalse();
        assertThat(RenderWebhooks.matches(ID, TIMESTAMP, BODY, SIGNATURE.replace("v1,", "v2,"), key)).isFalse();
        assertThat(RenderWebhooks.matches(ID, TIMESTAMP, BODY, "v1,not base64!", key)).isFalse();
    }

    @Test
    void aSecretThatIsNotBase64IsAConfigurationErrorThatDoesNotShowIt() {
        assertThatThrownBy(() -> RenderWebhooks.key("whsec_%%secret-value%%")).isInstanceOf(ProblemException.class)
                .hasMessageContaining("SLIPWAY_PROVIDERS_RENDER_WEBHOOK_SECRET").hasMessageNotContaining("secret-value");
    }
}
