package dev.slipway.support;

import java.util.List;
import java.util.Map;

import dev.slipway.provider.render.FakeRender;
import dev.slipway.provider.vercel.FakeVercel;
import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The fake Vercel and Render, every provider's webhook turned on, and polls so slow (10-20 s apart) that a
 * deployment moving on within a few seconds can only be a webhook's doing. One profile for all webhook tests, so
 * they share one application start.
 */
public class WebhooksOn implements QuarkusTestProfile {

    public static final String VERCEL_SECRET = "whsec-vercel-test-secret-7781";
    /** In Render's {@code whsec_<base64>} form. */
    public static final String RENDER_SECRET = "whsec_c2xpcHdheS1yZW5kZXItdGVzdC1rZXktMDA0Mg==";
    public static final String RAILWAY_TOKEN = "rwhk_test_token_5b1e0c7d9a";

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(FakeVercel.class), new TestResourceEntry(FakeRender.class));
    }

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("slipway.providers.vercel.webhook-secret", VERCEL_SECRET,
                "slipway.providers.render.webhook-secret", RENDER_SECRET,
                "slipway.providers.railway.webhook-token", RAILWAY_TOKEN,
                "slipway.tracking.poll-initial", "20s", "slipway.tracking.poll-max", "20s");
    }
}
