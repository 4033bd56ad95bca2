package dev.slipway.platform;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * Slipway's own settings, all under {@code slipway.*} (environment variables {@code SLIPWAY_*}).
 */
@ConfigMapping(prefix = "slipway")
public interface SlipwayConfig {

    /** Where the embedded PostgreSQL keeps its data, and a generated encryption keyring. */
    @WithName("data-dir")
    @WithDefault("./.slipway")
    String dataDir();

    /** The bootstrap admin API key ({@code slw_...}); generated and printed once when absent. */
    @WithName("admin-token")
    Optional<String> adminToken();

    /**
     * The keyring that encrypts secrets, {@code id:base64-of-32-bytes,...}: the first key encrypts, every key
     * decrypts. Required with an external database; generated into the data directory when embedded.
     */
    @WithName("encryption-keys")
    Optional<String> encryptionKeys();

    /**
     * The address browsers reach Slipway at ({@code https://slipway.example.com}), used to build OAuth
     * redirect URIs; unset means the address of the request that starts the connect.
     */
    @WithName("public-url")
    Optional<String> publicUrl();

    /**
     * How long a resolved API key is remembered, saving a database read per request; a key revoked through
     * another replica keeps working on this one for at most this long. {@code 0s} checks every request.
     */
    @WithName("api-key-cache")
    @WithDefault("5s")
    Duration apiKeyCache();

    /** The deployment queue. */
    Queue queue();

    /** Following deployments at their provider. */
    Tracking tracking();

    /** Deployment-wide limits. */
    Deployment deployment();

    /** Per-provider settings. */
    Providers providers();

    /** Log storage. */
    Logs logs();

    /** Queue settings. */
    interface Queue {
        /** How many deployments may be active (STARTING, BUILDING, DEPLOYING) at once, across replicas. */
        @WithName("max-active")
        @WithDefault("10")
        int maxActive();

        /** How long a claim on a deployment lasts without a heartbeat before another replica takes over. */
        @WithDefault("30s")
        Duration lease();

        /** How often queued deployments are re-examined and expired leases taken over. */
        @WithName("recovery-interval")
        @WithDefault("5s")
        Duration recoveryInterval();

        /**
         * Whether deployment requests travel over RabbitMQ ({@code rabbitmq} profile) rather than in process,
         * so that a request accepted by one replica wakes whichever replica has room.
         */
        @WithDefault("false")
        boolean broker();

        /** How many times a deployment may be claimed or taken over before it is abandoned as failed. */
        @WithName("max-attempts")
        @WithDefault("3")
        int maxAttempts();
    }

    /** Tracking settings. */
    interface Tracking {
        /** First delay between two status polls of a deployment; it doubles up to {@link #pollMax()}. */
        @WithName("poll-initial")
        @WithDefault("2s")
        Duration pollInitial();

        /** Longest delay between two status polls. */
        @WithName("poll-max")
        @WithDefault("30s")
        Duration pollMax();
    }

    /** Deployment settings. */
    interface Deployment {
        /** A deployment still running after this long is cancelled at the provider and ends TIMED_OUT. */
        @WithDefault("60m")
        Duration timeout();
    }

    /** Settings of each provider ({@code SLIPWAY_PROVIDERS_<P>_...}). */
    interface Providers {
        /** Vercel. */
        Provider vercel();

        /** Railway. */
        Provider railway();

        /** Render. */
        Provider render();

        /** The offline simulator. */
        Provider simulator();

        /** The settings of the provider called {@code name}. */
        default Provider named(String name) {
            return switch (name) {
                case "vercel" -> vercel();
                case "railway" -> railway();
                case "render" -> render();
                case "simulator" -> simulator();
                default -> throw new IllegalArgumentException("unknown provider " + name);
            };
        }
    }

    /** Settings of one provider. */
    interface Provider {
        /** How many of this provider's deployments may be active at once; unset means the global limit. */
        @WithName("max-active")
        Optional<Integer> maxActive();

        /**
         * The provider's API base URL; unset means the real one (Vercel https://api.vercel.com, Railway
         * https://backboard.railway.com, Render https://api.render.com/v1). OAuth token endpoints live under it.
         */
        @WithName("api-url")
        Optional<String> apiUrl();

        /** The OAuth connect settings (Vercel and Railway). */
        OAuth oauth();

        /**
         * The longest one call waits out a {@code Retry-After} the provider sent with a 429 before it fails as
         * transient and leaves the next try to the tracker; later calls still wait until that time has passed.
         */
        @WithName("rate-limit-max-wait")
        @WithDefault("30s")
        Duration rateLimitMaxWait();

        /**
         * The secret the provider signs its webhooks with (Vercel: the one {@code POST /v1/webhooks} answered;
         * Render: the webhook's {@code whsec_...} secret); unset means the provider's webhook endpoint is off.
         * Never logged.
         */
        @WithName("webhook-secret")
        Optional<String> webhookSecret();

        /**
         * Railway only, which signs nothing: the token in the webhook's URL ({@code /hooks/railway/<token>});
         * unset means the endpoint is off. Never logged.
         */
        @WithName("webhook-token")
        Optional<String> webhookToken();
    }

    /** How Slipway connects to a provider account through OAuth. */
    interface OAuth {
        /** The OAuth client id of Slipway's registered app or integration; unset means OAuth is off. */
        @WithName("client-id")
        Optional<String> clientId();

        /** The OAuth client secret; never logged. */
        @WithName("client-secret")
        Optional<String> clientSecret();

        /** Where the browser is sent to grant access; unset means the provider's real authorize page. */
        @WithName("authorize-url")
        Optional<String> authorizeUrl();

        /** The scopes to ask for; unset means the provider's default in Slipway (Railway: offline access). */
        Optional<String> scope();
    }

    /** Log settings. */
    interface Logs {
        /** Most lines a deployment keeps; past that one marker line says how many were dropped. */
        @WithName("max-lines")
        @WithDefault("100000")
        int maxLines();

        /**
         * Log messages a live viewer may fall behind the newest line of its deployment; a viewer further behind
         * is closed with 1013 and reconnects with {@code after} set to its last seq. It is also the number of
         * recent lines each replica keeps in memory per watched deployment.
         */
        @WithName("send-buffer")
        @WithDefault("10000")
        int sendBuffer();

        /** Log lines of deployments finished longer ago than this are deleted. */
        @WithDefault("30d")
        Duration retention();

        /** How often the retention job looks for old log lines. */
        @WithName("retention-interval")
        @WithDefault("1h")
        Duration retentionInterval();

        /** Log lines deleted per statement by the retention job, to keep its locks and transactions short. */
        @WithName("retention-batch")
        @WithDefault("5000")
        int retentionBatch();
    }
}
