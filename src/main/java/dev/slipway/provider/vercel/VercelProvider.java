package dev.slipway.provider.vercel;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.deployment.DeploymentStatus;
import dev.slipway.platform.Problem;
import dev.slipway.provider.DeploymentProvider;
import dev.slipway.provider.AnswerReader;
import dev.slipway.provider.HttpAnswer;
import dev.slipway.provider.ProviderException;
import dev.slipway.provider.ProviderHttp;
import dev.slipway.provider.vercel.VercelModels.CreateDeployment;
import dev.slipway.provider.vercel.VercelModels.Deployment;
import dev.slipway.provider.vercel.VercelModels.EnvVar;
import dev.slipway.provider.vercel.VercelModels.DeploymentList;
import dev.slipway.provider.vercel.VercelModels.Event;
import dev.slipway.provider.vercel.VercelModels.GitSource;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;

/**
 * Deploys to Vercel through its REST API: a deployment from the project's GitHub repository at the deployment's
 * ref, tagged with Slipway's id in {@code meta} so it can be found again; status, build events and cancel by
 * Vercel's deployment id.
 */
@ApplicationScoped
public class VercelProvider implements DeploymentProvider {

    /** The provider's name in projects, settings and the breaker. */
    public static final String NAME = "vercel";
    /** The {@code meta} key that carries Slipway's deployment id on every deployment it starts. */
    static final String TAG = "slipwayDeploymentId";
    /**
     * How many unreadable answers in a row one deployment tolerates. A proxy or an outage page can answer HTML
     * for a while, so one bad body is transient; an API that keeps answering something Slipway cannot read will
     * not heal by polling, so the deployment then fails with a reason instead of waiting for its timeout.
     */
    static final int MAX_MALFORMED = 5;

    private static final Pattern GITHUB = Pattern.compile(
            "^(?:https?://(?:www\\.)?github\\.com/|git@github\\.com:|ssh://git@github\\.com/)"
                    + "([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\\.git)?/?$");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final VercelClient client;
    private final ObjectMapper json;
    private final AnswerReader answers;

    public VercelProvider(VercelClient client, ObjectMapper json) {
        this.client = client;
        this.json = json;
        this.answers = new AnswerReader("Vercel", json, MAX_MALFORMED);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Problem.FieldError> validateTarget(JsonNode target) {
        return VercelTarget.validate(target);
    }

    @Override
    public Optional<String> circuitBreaker() {
        return Optional.of(VercelGuard.BREAKER);
    }

    @Override
    public Optional<Class<?>> circuitBreakerGuard() {
        return Optional.of(VercelGuard.class);
    }

    @Override
    public boolean canFindByTag() {
        return true;
    }

    /**
     * Looks the deployment up before creating it, in the same guarded attempt, so a create whose answer was lost
     * (a timeout, a reset connection, a crash) is never sent a second time once Vercel has accepted it.
     */
    @Override
    public Uni<String> trigger(Trigger t) {
        VercelTarget target = VercelTarget.of(t.target());
        CreateDeployment body = new CreateDeployment(target.project(), target.project(),
                "production".equals(t.environment()) ? "production" : null, gitSource(t),
                Map.of(TAG, t.publicId()));
        Map<String, String> query = team(target, t.credential());
        return client.guarded(() -> client.send(HttpMethod.GET, "/v6/deployments",
                        listQuery(target, t.credential(), t.publicId()), null, t.credential())
                .chain(list -> {
                    Optional<String> found = list.ok() ? tagged(list, t.publicId()) : Optional.empty();
                    if (found.isPresent()) {
                        Log.infof("deployment %s on vercel: found as %s, not sent again", t.publicId(),
                                found.get());
                        return Uni.createFrom().item(new HttpAnswer(200, "{\"id\":\"" + found.get() + "\"}", null));
                    }
                    if (!list.ok()) {
                        return Uni.createFrom().item(list);
                    }
                    return client.send(HttpMethod.POST, "/v13/deployments", query, body, t.credential());
                }))
                .map(answer -> {
                    if (!answer.ok()) {
                        throw client.rejected(answer, "the deployment of project " + target.project());
                    }
                    Deployment created = answers.read(answer, Deployment.class, t.deploymentId());
                    if (created.id() == null || created.id().isBlank()) {
                        throw answers.malformed(t.deploymentId(), "a created deployment without an id");
                    }
                    return created.id();
                });
    }

    @Override
    public boolean pushesEnv() {
        return true;
    }

    /** A Vercel project keeps variables per team and per target (production or preview). */
    @Override
    public String envDestination(Trigger t) {
        VercelTarget target = VercelTarget.of(t.target());
        String team = target.team(t.credential());
        return "team " + (team == null ? "-" : team) + " project " + target.project() + " target "
                + vercelTarget(t.environment());
    }

    /**
     * One upsert per variable, as an {@code encrypted} variable of the Vercel target the deployment builds for
     * (production, else preview). Each is its own guarded call, so a retry repeats only the variable that failed;
     * an upsert is safe to repeat.
     */
    @Override
    public Uni<Void> pushEnv(Trigger t) {
        VercelTarget target = VercelTarget.of(t.target());
        String path = "/v10/projects/" + ProviderHttp.pathSegment(target.project()) + "/env";
        Map<String, String> query = new HashMap<>(team(target, t.credential()));
        query.put("upsert", "true");
        List<String> targets = List.of(vercelTarget(t.environment()));
        return Multi.createFrom().iterable(new TreeMap<>(t.env()).entrySet())
                .onItem().transformToUniAndConcatenate(e -> client.call(HttpMethod.POST, path, query,
                        new EnvVar(e.getKey(), e.getValue(), "encrypted", targets), t.credential())
                        .invoke(answer -> {
                            if (!answer.ok()) {
                                throw client.rejected(answer, "the variable " + e.getKey(), t.env().values());
                            }
                            failed(answer, e.getKey(), t.env().values());
                        }))
                .collect().last().replaceWithVoid();
    }

    /** Vercel may answer 201 and still list the variable under {@code failed}; that is a rejection too. */
    private void failed(HttpAnswer answer, String key, java.util.Collection<String> secrets) {
        JsonNode failed;
        try {
            failed = json.readTree(answer.body()).path("failed");
        } catch (java.io.IOException | RuntimeException e) {
            // The upsert was accepted; an unreadable body says nothing against it.
            return;
        }
        if (failed.isArray() && !failed.isEmpty()) {
            JsonNode error = failed.get(0).path("error");
            String why = ProviderHttp.withoutSecrets(error.path("message").asText(error.path("code")
                    .asText("no reason given")), secrets);
            throw ProviderException.terminal("Vercel rejected the variable " + key + " (" + answer.status() + "): "
                    + why);
        }
    }

    /** Vercel's deployment target for a Slipway environment: production, else preview. */
    static String vercelTarget(String environment) {
        return "production".equals(environment) ? "production" : "preview";
    }

    @Override
    public Uni<Optional<String>> findByTag(Ref ref) {
        VercelTarget target = VercelTarget.of(ref.target());
        return client.call(HttpMethod.GET, "/v6/deployments", listQuery(target, ref.credential(), ref.publicId()),
                null, ref.credential()).map(answer -> {
                    if (!answer.ok()) {
                        throw client.rejected(answer, "the list of deployments of " + target.project());
                    }
                    return tagged(answer, ref.publicId());
                });
    }

    @Override
    public Uni<Status> status(Ref ref) {
        return client.call(HttpMethod.GET, "/v13/deployments/" + ref.providerDeploymentId(), team(ref), null,
                ref.credential()).map(answer -> {
                    if (!answer.ok()) {
                        throw client.rejected(answer, "deployment " + ref.providerDeploymentId());
                    }
                    return map(answers.read(answer, Deployment.class, ref.deploymentId()));
                });
    }

    /** Vercel's {@code readyState} (and {@code readySubstate}) in Slipway's states, as providers.md maps them. */
    static Status map(Deployment d) {
        String state = d.readyState() == null ? "" : d.readyState();
        String url = d.url() == null ? null : d.url().startsWith("http") ? d.url() : "https://" + d.url();
        return switch (state) {
            case "BUILDING" -> new Status(DeploymentStatus.BUILDING, null, null);
            case "READY" -> "STAGED".equals(d.readySubstate()) || "ROLLING".equals(d.readySubstate())
                    ? new Status(DeploymentStatus.DEPLOYING, null, null)
                    : new Status(DeploymentStatus.READY, url, null);
            case "ERROR" -> new Status(DeploymentStatus.FAILED, null, "Vercel build failed" + why(d));
            case "BLOCKED" -> new Status(DeploymentStatus.FAILED, null, "Vercel blocked the deployment" + why(d));
            case "CANCELED" -> new Status(DeploymentStatus.CANCELED, null, "canceled at Vercel");
            // QUEUED, INITIALIZING, and any state Vercel adds later: still on its way.
            default -> new Status(DeploymentStatus.STARTING, null, null);
        };
    }

    private static String why(Deployment d) {
        if (d.errorMessage() != null && d.errorCode() != null) {
            return ": " + d.errorMessage() + " (" + d.errorCode() + ")";
        }
        if (d.errorMessage() != null) {
            return ": " + d.errorMessage();
        }
        return d.errorCode() == null ? "" : " (" + d.errorCode() + ")";
    }

    /**
     * Build events after the cursor {@code "<created ms>:<events seen at that ms>"}. Vercel's {@code since} is
     * asked for the last time seen; events at exactly that millisecond that were already read are skipped, so the
     * log has neither gaps nor repeats whether {@code since} is inclusive or not.
     */
    @Override
    public Uni<LogChunk> logsSince(Ref ref, String cursor) {
        long since = cursor == null ? -1 : Long.parseLong(cursor.substring(0, cursor.indexOf(':')));
        int seen = cursor == null ? 0 : Integer.parseInt(cursor.substring(cursor.indexOf(':') + 1));
        Map<String, String> query = new HashMap<>(team(ref));
        query.put("direction", "forward");
        query.put("limit", "-1");
        if (since >= 0) {
            query.put("since", Long.toString(since));
        }
        return client.call(HttpMethod.GET, "/v3/deployments/" + ref.providerDeploymentId() + "/events", query, null,
                ref.credential()).map(answer -> {
                    if (!answer.ok()) {
                        throw client.rejected(answer, "the build log of deployment " + ref.providerDeploymentId());
                    }
                    List<Event> events = new ArrayList<>(answers.read(answer, new TypeReference<List<Event>>() { },
                            ref.deploymentId()));
                    events.sort(Comparator.comparingLong(Event::at));
                    return linesAfter(events, since, seen, cursor);
                });
    }

    private static LogChunk linesAfter(List<Event> events, long since, int seen, String cursor) {
        List<LogLine> lines = new ArrayList<>();
        long lastAt = since;
        int lastCount = seen;
        int skipped = 0;
        for (Event e : events) {
            long at = e.at();
            if (at < since || at == since && skipped++ < seen) {
                continue;
            }
            if (at == lastAt) {
                lastCount++;
            } else {
                lastAt = at;
                lastCount = 1;
            }
            line(e).ifPresent(lines::add);
        }
        String next = lastAt < 0 ? cursor : lastAt + ":" + lastCount;
        return new LogChunk(lines, next, false);
    }

    /** Command, output and fatal events are log lines; state changes and delimiters are not. */
    private static Optional<LogLine> line(Event e) {
        String text = e.message();
        if (text == null || e.type() == null) {
            return Optional.empty();
        }
        String stream = switch (e.type()) {
            case "stdout", "command" -> "stdout";
            case "stderr", "fatal" -> "stderr";
            default -> null;
        };
        if (stream == null) {
            return Optional.empty();
        }
        return Optional.of(new LogLine(Instant.ofEpochMilli(e.at()), stream, text));
    }

    /** A deployment that already ended cannot be cancelled; Vercel says so with 400 or 409, which is success. */
    @Override
    public Uni<Void> cancel(Ref ref) {
        return client.call(HttpMethod.PATCH, "/v12/deployments/" + ref.providerDeploymentId() + "/cancel", team(ref),
                null, ref.credential()).map(answer -> {
                    int status = answer.status();
                    if (!answer.ok() && status != 400 && status != 404 && status != 409) {
                        throw client.rejected(answer, "cancelling deployment " + ref.providerDeploymentId());
                    }
                    return null;
                });
    }

    private GitSource gitSource(Trigger t) {
        if (t.repositoryUrl() == null || t.repositoryUrl().isBlank()) {
            throw ProviderException.terminal("Vercel deploys from a Git repository: set repositoryUrl (a GitHub "
                    + "URL) on project " + t.project());
        }
        Matcher m = GITHUB.matcher(t.repositoryUrl().trim());
        if (!m.matches()) {
            throw ProviderException.terminal("Slipway deploys to Vercel from GitHub repositories only; project "
                    + t.project() + " has repository " + t.repositoryUrl());
        }
        String branch = t.repositoryBranch() == null ? "main" : t.repositoryBranch();
        String ref = t.ref() == null || t.ref().isBlank() ? branch : t.ref();
        if (COMMIT.matcher(ref).matches()) {
            return new GitSource("github", m.group(1), m.group(2), branch, ref);
        }
        return new GitSource("github", m.group(1), m.group(2), ref, null);
    }

    /**
     * The newest deployments of the project, asking Vercel to filter by the tag ({@code meta-<key>=<value>}, as
     * the Vercel CLI's {@code --meta} does). The match is checked again here, so an API that ignored the filter
     * still finds the right one; only the most recent hundred are looked at, which covers a lookup made shortly
     * after the trigger.
     */
    private static Map<String, String> listQuery(VercelTarget target, ProviderCredential credential, String tag) {
        Map<String, String> query = new HashMap<>(team(target, credential));
        query.put("projectId", target.project());
        query.put("limit", "100");
        query.put("meta-" + TAG, tag);
        return query;
    }

    private Optional<String> tagged(HttpAnswer list, String tag) {
        DeploymentList found;
        try {
            found = json.readValue(list.body(), DeploymentList.class);
        } catch (java.io.IOException | RuntimeException e) {
            throw ProviderException.transientFailure("Vercel answered the deployment list with malformed JSON", e);
        }
        if (found.deployments() == null) {
            return Optional.empty();
        }
        return found.deployments().stream()
                .filter(d -> d.meta() != null && tag.equals(d.meta().get(TAG)) && d.id() != null)
                .map(Deployment::id).findFirst();
    }

    private static Map<String, String> team(VercelTarget target, ProviderCredential credential) {
        String team = target.team(credential);
        return team == null ? Map.of() : Map.of("teamId", team);
    }

    private static Map<String, String> team(Ref ref) {
        return team(VercelTarget.of(ref.target()), ref.credential());
    }
}
