package dev.slipway.provider.render;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
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
import dev.slipway.provider.render.RenderModels.Deploy;
import dev.slipway.provider.render.RenderModels.DeployItem;
import dev.slipway.provider.render.RenderModels.EnvVarValue;
import dev.slipway.provider.render.RenderModels.Logs;
import dev.slipway.provider.render.RenderModels.Service;
import dev.slipway.provider.render.RenderModels.TriggerDeploy;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;

/**
 * Deploys a Render service through Render's REST API. Render deploys the branch configured on the service; a
 * deployment's {@code ref} that is a 40-character commit pins that commit ({@code commitId}), any other ref is not
 * sent. Render has no tag on deploys, so a trigger whose outcome is unknown is found by time: the deploys of the
 * service created since this replica first tried to trigger.
 */
@ApplicationScoped
public class RenderProvider implements DeploymentProvider {

    /** The provider's name in projects, settings and the breaker. */
    public static final String NAME = "render";
    /** Render's clock and Slipway's may differ a little; deploys this much older than the first try still count. */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(2);
    /** Unreadable answers in a row one deployment tolerates, as for Vercel: a proxy page passes, a changed API not. */
    static final int MAX_MALFORMED = 5;

    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final RenderClient client;
    private final ObjectMapper json;
    /** When this replica first tried to trigger each deployment, until the trigger has an id. */
    private final Map<Long, Instant> firstTry = new ConcurrentHashMap<>();
    /** Deployments whose deploy Render accepted (201 or 202) but whose id Slipway has not read yet. */
    private final Set<Long> accepted = ConcurrentHashMap.newKeySet();
    private final AnswerReader answers;
    /** Each service's public address, once Render told it. */
    private final Map<String, String> urls = new ConcurrentHashMap<>();

    public RenderProvider(RenderClient client, ObjectMapper json) {
        this.client = client;
        this.json = json;
        this.answers = new AnswerReader("Render", json, MAX_MALFORMED);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Problem.FieldError> validateTarget(JsonNode target) {
        return RenderTarget.validate(target);
    }

    @Override
    public Optional<String> circuitBreaker() {
        return Optional.of(RenderGuard.BREAKER);
    }

    @Override
    public Optional<Class<?>> circuitBreakerGuard() {
        return Optional.of(RenderGuard.class);
    }

    @Override
    public boolean pushesEnv() {
        return true;
    }

    /**
     * One upsert per variable on the service, each its own guarded call: Render's {@code PUT} of a single variable
     * leaves the service's other variables alone, unlike the {@code PUT} of the whole list, which replaces them.
     */
    /** A Render service has one set of variables, whichever Slipway environment deploys it. */
    @Override
    public String envDestination(Trigger t) {
        return "service " + RenderTarget.of(t.target()).serviceId();
    }

    @Override
    public Uni<Void> pushEnv(Trigger t) {
        RenderTarget target = RenderTarget.of(t.target());
        String base = "/services/" + ProviderHttp.pathSegment(target.serviceId()) + "/env-vars/";
        return Multi.createFrom().iterable(new TreeMap<>(t.env()).entrySet())
                .onItem().transformToUniAndConcatenate(e -> client.call(HttpMethod.PUT,
                        base + ProviderHttp.pathSegment(e.getKey()), Map.of(), new EnvVarValue(e.getValue()),
                        t.credential()).invoke(answer -> {
                            if (!answer.ok()) {
                                throw client.rejected(answer, "the variable " + e.getKey(), t.env().values());
                            }
                        }))
                .collect().last().replaceWithVoid();
    }

    /**
     * Each attempt after the first looks for a deploy created since the first try, so a trigger repeated after a lost
     * answer (or Render's 202, which has no body) takes the deploy Render already has instead of starting another.
     * Once Render accepted the deploy (201 or 202), no later attempt sends it again: they only list until it shows.
     */
    @Override
    public Uni<String> trigger(Trigger t) {
        RenderTarget target = RenderTarget.of(t.target());
        // Only a repeated attempt looks first: before this replica's first try no deploy can be this deployment's,
        // and a look then could take a deploy another deployment started moments ago for its own.
        // Guard retries of this call are repeated attempts too, hence a flag the first attempt sets.
        AtomicBoolean repeated = new AtomicBoolean(firstTry.containsKey(t.deploymentId()));
        Instant since = firstTry.computeIfAbsent(t.deploymentId(), id -> Instant.now()).minus(CLOCK_SKEW);
        String ref = t.ref();
        TriggerDeploy body = new TriggerDeploy("do_not_clear", ref != null && COMMIT.matcher(ref).matches() ? ref
                : null);
        String path = "/services/" + target.serviceId() + "/deploys";
        return client.guarded(() -> (repeated.getAndSet(true)
                ? client.send(HttpMethod.GET, path, listQuery(since), null, t.credential())
                : Uni.createFrom().item(new HttpAnswer(200, "[]", null)))
                .chain(list -> {
                    if (!list.ok()) {
                        return Uni.createFrom().item(list);
                    }
                    Optional<String> found = newest(list, t.deploymentId());
                    if (found.isPresent()) {
                        return Uni.createFrom().item(idAnswer(found.get()));
                    }
                    if (accepted.contains(t.deploymentId())) {
                        return Uni.createFrom().failure(notListedYet());
                    }
                    return send(t, path, body, since);
                }))
                .map(answer -> {
                    if (!answer.ok()) {
                        throw client.rejected(answer, "the deploy of service " + target.serviceId());
                    }
                    Deploy deploy = answers.read(answer, new TypeReference<Deploy>() { }, t.deploymentId());
                    if (deploy.id() == null || deploy.id().isBlank()) {
                        throw answers.malformed(t.deploymentId(), "a deploy without an id");
                    }
                    forget(t.deploymentId());
                    return deploy.id();
                })
                // A terminal failure ends the deployment: nothing will try this trigger again.
                .onFailure(e -> e instanceof ProviderException p && !p.isTransient())
                .invoke(() -> forget(t.deploymentId()));
    }

    /**
     * Sends the deploy. A 201 or 202 means Render has it, whatever becomes of the answer (a 202 has no body, a 201's
     * may be unreadable), so from then on attempts for this deployment only look for it.
     */
    private Uni<HttpAnswer> send(Trigger t, String path, TriggerDeploy body, Instant since) {
        return client.send(HttpMethod.POST, path, Map.of(), body, t.credential()).chain(created -> {
            if (created.status() == 201 || created.status() == 202) {
                accepted.add(t.deploymentId());
            }
            return created.status() == 202
                    ? client.send(HttpMethod.GET, path, listQuery(since), null, t.credential())
                            .map(again -> queued(again, t.deploymentId()))
                    : Uni.createFrom().item(created);
        });
    }

    private void forget(long deploymentId) {
        firstTry.remove(deploymentId);
        accepted.remove(deploymentId);
    }

    private static ProviderException notListedYet() {
        return ProviderException.transientFailure("Render queued the deploy but does not list it yet", null);
    }

    /** After a 202 the deploy should be listed; if not yet, the attempt fails as transient and is repeated. */
    private HttpAnswer queued(HttpAnswer list, long deploymentId) {
        if (!list.ok()) {
            return list;
        }
        return newest(list, deploymentId).map(RenderProvider::idAnswer).orElseThrow(RenderProvider::notListedYet);
    }

    private static HttpAnswer idAnswer(String id) {
        return new HttpAnswer(200, "{\"id\":\"" + id + "\"}", null);
    }

    private static Map<String, String> listQuery(Instant since) {
        return Map.of("createdAfter", since.toString(), "limit", "20");
    }

    private Optional<String> newest(HttpAnswer list, long deploymentId) {
        List<DeployItem> items = answers.read(list, new TypeReference<List<DeployItem>>() { }, deploymentId);
        return items.stream().map(DeployItem::deploy).filter(d -> d != null && d.id() != null)
                .max(Comparator.comparing(d -> d.createdAt() == null ? Instant.EPOCH : d.createdAt()))
                .map(Deploy::id);
    }

    @Override
    public Uni<Status> status(Ref ref) {
        RenderTarget target = RenderTarget.of(ref.target());
        return client.call(HttpMethod.GET, "/services/" + target.serviceId() + "/deploys/" + ref.providerDeploymentId(),
                Map.of(), null, ref.credential()).map(answer -> {
                    if (!answer.ok()) {
                        throw client.rejected(answer, "deploy " + ref.providerDeploymentId());
                    }
                    return map(answers.read(answer, new TypeReference<Deploy>() { }, ref.deploymentId()));
                })
                .chain(status -> status.status() != DeploymentStatus.READY ? Uni.createFrom().item(status)
                        : serviceUrl(target, ref).map(url -> new Status(status.status(), url, status.reason())));
    }

    /**
     * A deploy has no address of its own; the service's is where it went live. Asked once per service and kept,
     * since it does not change when the service is deployed again. A service without one (a background worker),
     * or an answer that is not a service, leaves the url empty rather than holding the deployment back.
     */
    private Uni<String> serviceUrl(RenderTarget target, Ref ref) {
        String known = urls.get(target.serviceId());
        if (known != null) {
            return Uni.createFrom().item(known);
        }
        return client.call(HttpMethod.GET, "/services/" + target.serviceId(), Map.of(), null, ref.credential())
                .map(answer -> {
                    if (!answer.ok()) {
                        Log.debugf("render: service %s answered %d; no url", target.serviceId(), answer.status());
                        return null;
                    }
                    Service service = answers.read(answer, new TypeReference<Service>() { }, ref.deploymentId());
                    String url = service.serviceDetails() == null ? null : service.serviceDetails().url();
                    if (url != null && !url.isBlank()) {
                        urls.put(target.serviceId(), url);
                        return url;
                    }
                    return null;
                });
    }

    /**
     * Render's deploy {@code status} in Slipway's states, as providers.md maps them. {@code deactivated} means a
     * later deploy replaced this one: READY if it had finished (gone live) first, else CANCELED.
     */
    static Status map(Deploy d) {
        String status = d.status() == null ? "" : d.status();
        return switch (status) {
            case "build_in_progress" -> new Status(DeploymentStatus.BUILDING, null, null);
            case "update_in_progress", "pre_deploy_in_progress" -> new Status(DeploymentStatus.DEPLOYING, null, null);
            case "live" -> new Status(DeploymentStatus.READY, null, null);
            case "deactivated" -> d.finishedAt() != null ? new Status(DeploymentStatus.READY, null, null)
                    : new Status(DeploymentStatus.CANCELED, null, "replaced at Render by a later deploy");
            case "build_failed", "update_failed", "pre_deploy_failed" -> new Status(DeploymentStatus.FAILED, null,
                    "Render deploy failed (" + status + ")");
            case "canceled" -> new Status(DeploymentStatus.CANCELED, null, "canceled at Render");
            // created, queued, and any status Render adds later: still on its way.
            default -> new Status(DeploymentStatus.STARTING, null, null);
        };
    }

    /**
     * Build log lines of the service since the deployment started: Render's log API cannot filter by deploy, so
     * lines are correlated by time. The cursor is {@code "<timestamp>|<lines seen at that timestamp>"}; lines at
     * exactly the last timestamp already read are skipped, so nothing repeats whether {@code startTime} is
     * inclusive or not. Without an owner id (target or credential) there are no logs.
     */
    @Override
    public Uni<LogChunk> logsSince(Ref ref, String cursor) {
        RenderTarget target = RenderTarget.of(ref.target());
        String owner = target.owner(ref.credential());
        if (owner == null) {
            return Uni.createFrom().item(new LogChunk(List.of(), cursor, false));
        }
        Instant since = cursor == null ? (ref.startedAt() == null ? Instant.EPOCH : ref.startedAt().minus(CLOCK_SKEW))
                : Instant.parse(cursor.substring(0, cursor.indexOf('|')));
        int seen = cursor == null ? 0 : Integer.parseInt(cursor.substring(cursor.indexOf('|') + 1));
        Map<String, String> query = new HashMap<>();
        query.put("ownerId", owner);
        query.put("resource", target.serviceId());
        query.put("type", "build");
        query.put("direction", "forward");
        query.put("startTime", since.toString());
        query.put("limit", "100");
        return client.call(HttpMethod.GET, "/logs", query, null, ref.credential()).map(answer -> {
            if (!answer.ok()) {
                throw client.rejected(answer, "the build log of service " + target.serviceId());
            }
            Logs logs = answers.read(answer, new TypeReference<Logs>() { }, ref.deploymentId());
            return linesAfter(logs, since, seen, cursor);
        });
    }

    private static LogChunk linesAfter(Logs logs, Instant since, int seen, String cursor) {
        List<LogLine> lines = new ArrayList<>();
        Instant lastAt = cursor == null ? null : since;
        int lastCount = seen;
        int skipped = 0;
        List<RenderModels.Log> all = logs.logs() == null ? List.of() : logs.logs();
        for (RenderModels.Log log : all) {
            if (log.timestamp() == null || log.message() == null) {
                continue;
            }
            if (cursor != null && (log.timestamp().isBefore(since)
                    || log.timestamp().equals(since) && skipped++ < seen)) {
                continue;
            }
            if (log.timestamp().equals(lastAt)) {
                lastCount++;
            } else {
                lastAt = log.timestamp();
                lastCount = 1;
            }
            lines.add(new LogLine(log.timestamp(), "stdout", log.message()));
        }
        String next = lastAt == null ? cursor : lastAt + "|" + lastCount;
        return new LogChunk(lines, next, Boolean.TRUE.equals(logs.hasMore()) && !lines.isEmpty());
    }

    /** A deploy that already ended cannot be cancelled; Render says so with a 4xx, which is success here. */
    @Override
    public Uni<Void> cancel(Ref ref) {
        RenderTarget target = RenderTarget.of(ref.target());
        return client.call(HttpMethod.POST, "/services/" + target.serviceId() + "/deploys/"
                + ref.providerDeploymentId() + "/cancel", Map.of(), null, ref.credential()).map(answer -> {
                    int status = answer.status();
                    if (status == 401 || status == 403) {
                        throw client.rejected(answer, "cancelling deploy " + ref.providerDeploymentId());
                    }
                    if (!answer.ok()) {
                        Log.debugf("render: cancel of %s answered %d; it had ended", ref.providerDeploymentId(),
                                status);
                    }
                    return null;
                });
    }
}
