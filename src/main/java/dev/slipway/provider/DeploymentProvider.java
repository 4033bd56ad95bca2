package dev.slipway.provider;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import dev.slipway.deployment.DeploymentStatus;
import dev.slipway.platform.Problem;
import io.smallrye.mutiny.Uni;

/**
 * What Slipway needs from a hosting provider. Adapters speak the provider's real API; every method is
 * non-blocking and fails with {@link ProviderException} saying whether a retry may help.
 */
public interface DeploymentProvider {

    /** The provider's name in the API and in settings: {@code vercel}, {@code simulator}, ... */
    String name();

    /** Problems with a project's {@code target} object for this provider; field names start with {@code target.}. */
    List<Problem.FieldError> validateTarget(JsonNode target);

    /**
     * Writes the project's variables for the deployment's environment ({@link Trigger#env()}) to the provider, so
     * the build sees them. The tracker calls it before {@link #trigger} only when the variables, or the target they
     * go to, changed since the last push that succeeded; it must be safe to repeat. Fails with
     * {@link ProviderException} like every other call; a terminal failure fails the deployment before it starts.
     */
    default Uni<Void> pushEnv(Trigger trigger) {
        return Uni.createFrom().voidItem();
    }

    /**
     * Where {@link #pushEnv} writes {@code trigger}'s variables, in the provider's own terms (a service, a project's
     * target): two deployments with the same destination share what was last pushed there, whatever their project
     * or Slipway environment, so a push for one environment is not taken as current for another that writes to the
     * same place. The default keeps destinations apart by target and environment.
     */
    default String envDestination(Trigger trigger) {
        return trigger.target() + " " + trigger.environment();
    }

    /** Whether {@link #pushEnv} sends anything; the tracker skips the change check for providers that do not. */
    default boolean pushesEnv() {
        return false;
    }

    /** Starts a deployment at the provider and answers the provider's id for it. */
    Uni<String> trigger(Trigger trigger);

    /** How the deployment is doing at the provider. */
    Uni<Status> status(Ref ref);

    /** Build log lines after {@code cursor} ({@code null} for the start). */
    Uni<LogChunk> logsSince(Ref ref, String cursor);

    /**
     * {@link #status} and then {@link #logsSince} in one call, which is what the tracker asks on every poll.
     * The status is read first, so when it says the deployment ended the lines read with it are all there
     * are. Providers that can answer both with one request override it.
     */
    default Uni<Observation> observe(Ref ref, String cursor) {
        return status(ref).chain(s -> logsSince(ref, cursor).map(chunk -> new Observation(s, chunk)));
    }

    /** Asks the provider to stop the deployment; succeeds if it already ended. */
    Uni<Void> cancel(Ref ref);

    /**
     * Finds the provider's deployment by Slipway's tag when a trigger's outcome is unknown (a crash between
     * the trigger and storing its id). Empty when the provider has none or cannot search by tag.
     */
    default Uni<Optional<String>> findByTag(Ref ref) {
        return Uni.createFrom().item(Optional.empty());
    }

    /** Whether {@link #findByTag} can find deployments at all. */
    default boolean canFindByTag() {
        return false;
    }

    /**
     * A fixed delay between polls, for providers cheap enough to poll often (the in-process simulator);
     * empty means exponential backoff from the tracking settings.
     */
    default Optional<Duration> pollInterval() {
        return Optional.empty();
    }

    /**
     * The name of the circuit breaker that guards this provider's calls ({@code CircuitBreakerMaintenance});
     * empty when its calls need none (the in-process simulator).
     */
    default Optional<String> circuitBreaker() {
        return Optional.empty();
    }

    /**
     * The bean whose {@code call} method carries {@link #circuitBreaker()}, so its fault-tolerance settings
     * ({@code quarkus.fault-tolerance."<class>/call".*}) can be read; empty without a breaker.
     */
    default Optional<Class<?>> circuitBreakerGuard() {
        return Optional.empty();
    }

    /**
     * Whether deploying needs a credential: without one (named by the target's {@code credential}, else the
     * credential named after the provider) the deployment fails before it is triggered.
     */
    default boolean needsCredential() {
        return true;
    }

    /**
     * What to deploy, as the adapter needs it. {@code env} holds the project's variables for this environment,
     * decrypted only for the trigger call; {@code credential} is null when the provider needs none and none
     * is stored. An adapter that must keep either beyond the call keeps it encrypted.
     */
    record Trigger(long deploymentId, String publicId, String project, JsonNode target, String repositoryUrl,
            String repositoryBranch, String ref, String environment, Map<String, String> env,
            ProviderCredential credential) {

        @Override
        public String toString() {
            // Variable values and the token stay out of every log line and exception message.
            return "Trigger[" + publicId + " of " + project + " to " + environment + ", variables " + env.keySet()
                    + "]";
        }
    }

    /** The provider token a deployment acts with, decrypted for the duration of the provider calls. */
    record ProviderCredential(String name, String provider, String token, String teamId, String ownerId) {

        @Override
        public String toString() {
            return "ProviderCredential[" + name + " for " + provider + "]";
        }
    }

    /**
     * A deployment already known to the provider. {@code credential} is the token to act with (null when the
     * provider needs none or none could be loaded).
     */
    record Ref(long deploymentId, String publicId, JsonNode target, String providerDeploymentId,
            Instant startedAt, ProviderCredential credential) {

        @Override
        public String toString() {
            return "Ref[" + publicId + " as " + providerDeploymentId + "]";
        }
    }

    /** The provider's view of a deployment, mapped onto Slipway's states. */
    record Status(DeploymentStatus status, String url, String reason) {
    }

    /** One build log line from the provider. */
    record LogLine(Instant at, String stream, String message) {
    }

    /** A deployment's status and its log lines after a cursor, as {@link #observe} read them. */
    record Observation(Status status, LogChunk logs) {
    }

    /** Lines read after a cursor, the cursor to continue from, and whether more are ready right now. */
    record LogChunk(List<LogLine> lines, String nextCursor, boolean more) {
    }
}
