package dev.slipway.provider.railway;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.deployment.DeploymentStatus;
import dev.slipway.platform.Problem;
import dev.slipway.provider.AnswerReader;
import dev.slipway.provider.DeploymentProvider;
import dev.slipway.provider.HttpAnswer;
import dev.slipway.provider.ProviderException;
import dev.slipway.provider.railway.RailwayClient.Kind;
import dev.slipway.provider.railway.RailwayModels.Answer;
import dev.slipway.provider.railway.RailwayModels.BuildLogs;
import dev.slipway.provider.railway.RailwayModels.Cancelled;
import dev.slipway.provider.railway.RailwayModels.Deployment;
import dev.slipway.provider.railway.RailwayModels.DeploymentAnswer;
import dev.slipway.provider.railway.RailwayModels.DeploymentList;
import dev.slipway.provider.railway.RailwayModels.DeploymentLogs;
import dev.slipway.provider.railway.RailwayModels.Edge;
import dev.slipway.provider.railway.RailwayModels.Triggered;
import dev.slipway.provider.railway.RailwayModels.Upserted;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;

/**
 * Deploys a Railway service through Railway's GraphQL API. Railway deploys the repository and branch configured on
 * the service; a deployment's {@code ref} that is a 40-character commit pins that commit ({@code commitSha}), any
 * other ref is not sent. Railway's deployments carry no tag of Slipway's, so a trigger whose answer was lost is found
 * by time: the deployments of the service and environment created since this replica first tried to trigger.
 */
@ApplicationScoped
public class RailwayProvider implements DeploymentProvider {

    /** The provider's name in projects, settings and the breaker. */
    public static final String NAME = "railway";
    /** Railway's clock and Slipway's may differ a little; deployments this much older than the first try count. */
    static final Duration CLOCK_SKEW = Duration.ofSeconds(2);
    /** Unreadable answers in a row one deployment tolerates, as for Vercel: a proxy page passes, a changed API not. */
    static final int MAX_MALFORMED = 5;
    /** Log lines asked for per page; a full page means more are waiting. */
    static final int LOG_PAGE = 500;
    /** Recent deployments of the service looked at before a trigger is sent. */
    static final int RECENT = 20;

    static final String DEPLOY = """
            mutation SlipwayDeploy($serviceId: String!, $environmentId: String!, $commitSha: String) {
              serviceInstanceDeployV2(serviceId: $serviceId, environmentId: $environmentId, commitSha: $commitSha)
            }""";
    static final String RECENT_DEPLOYMENTS = """
            query SlipwayRecentDeployments($first: Int!, $input: DeploymentListInput!) {
              deployments(first: $first, input: $input) { edges { node { id status createdAt } } }
            }""";
    static final String STATUS = """
            query SlipwayDeployment($id: String!) {
              deployment(id: $id) { id status staticUrl url createdAt }
            }""";
    static final String BUILD_LOGS = """
            query SlipwayBuildLogs($deploymentId: String!, $limit: Int, $startDate: DateTime) {
              buildLogs(deploymentId: $deploymentId, limit: $limit, startDate: $startDate) {
                timestamp message severity
              }
            }""";
    static final String DEPLOYMENT_LOGS = """
            query SlipwayDeploymentLogs($deploymentId: String!, $limit: Int, $startDate: DateTime) {
              deploymentLogs(deploymentId: $deploymentId, limit: $limit, startDate: $startDate) {
                timestamp message severity
              }
            }""";
    static final String CANCEL = """
            mutation SlipwayCancel($id: String!) {
              deploymentCancel(id: $id)
            }""";
    static final String UPSERT_VARIABLES = """
            mutation SlipwayVariables($input: VariableCollectionUpsertInput!) {
              variableCollectionUpsert(input: $input)
            }""";

    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final UnaryOperator<String> QUOTE = UnaryOperator.identity();

    private final RailwayClient client;
    private final ObjectMapper json;
    private final AnswerReader answers;
    /** When this replica first tried to trigger each deployment, until the trigger has an id. */
    private final Map<Long, Instant> firstTry = new ConcurrentHashMap<>();
    /** Deployments whose deploy Railway accepted but whose id Slipway has not read yet. */
    private final Set<Long> accepted = ConcurrentHashMap.newKeySet();

    public RailwayProvider(RailwayClient client, ObjectMapper json) {
        this.client = client;
        this.json = json;
        this.answers = new AnswerReader("Railway", json, MAX_MALFORMED);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Problem.FieldError> validateTarget(JsonNode target) {
        return RailwayTarget.validate(target);
    }

    @Override
    public Optional<String> circuitBreaker() {
        return Optional.of(RailwayGuard.BREAKER);
    }

    @Override
    public Optional<Class<?>> circuitBreakerGuard() {
        return Optional.of(RailwayGuard.class);
    }

    @Override
    public boolean pushesEnv() {
        return true;
    }

    /**
     * Writes the deployment's variables to the service in its environment with {@code skipDeploys}, so the write
     * does not start a deployment of its own; the trigger that follows builds with them. An upsert: repeating it is
     * harmless, and variables set only at Railway stay. Railway's error messages can quote the input, so none that
     * contains a value is repeated.
     */
    /** A Railway service has one set of variables per Railway environment, whichever Slipway environment deploys. */
    @Override
    public String envDestination(Trigger t) {
        RailwayTarget target = RailwayTarget.of(t.target());
        return "environment " + target.environmentId() + " service " + target.serviceId();
    }

    @Override
    public Uni<Void> pushEnv(Trigger t) {
        if (t.env().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        RailwayTarget target = RailwayTarget.of(t.target());
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("projectId", target.projectId());
        input.put("environmentId", target.environmentId());
        input.put("serviceId", target.serviceId());
        input.put("variables", new TreeMap<>(t.env()));
        input.put("skipDeploys", true);
        String what = "the variables of service " + target.serviceId();
        UnaryOperator<String> withoutValues = message -> t.env().values().stream()
                .anyMatch(v -> !v.isEmpty() && message.contains(v)) || message.contains("got invalid value")
                        ? "Railway's message is withheld because it quotes a variable's value" : message;
        return client.call(what, UPSERT_VARIABLES, Map.of("input", input), t.credential(), withoutValues)
                .map(answer -> {
                    Upserted done = data(answer, what, new TypeReference<Answer<Upserted>>() { }, t.deploymentId(),
                            withoutValues);
                    if (!Boolean.TRUE.equals(done.variableCollectionUpsert())) {
                        throw answers.malformed(t.deploymentId(), "a variable upsert that did not succeed");
                    }
                    Log.infof("deployment %s on railway: %d variables written to service %s", t.publicId(),
                            t.env().size(), target.serviceId());
                    return null;
                });
    }

    /**
     * Each attempt after the first looks for a deployment of the service created since the first try, so a trigger
     * repeated after a lost answer takes the deployment Railway already has instead of starting another. Once Railway
     * accepted the deploy (an answer with data and no errors, even one whose id could not be read), no later attempt
     * sends it again: they only look until the deployment shows.
     */
    @Override
    public Uni<String> trigger(Trigger t) {
        RailwayTarget target = RailwayTarget.of(t.target());
        // Only a repeated attempt (a guard retry included) looks first: before this replica's first try no deployment
        // can be this one's, and a look then could take one another deployment of the service started moments ago.
        AtomicBoolean repeated = new AtomicBoolean(firstTry.containsKey(t.deploymentId()));
        Instant since = firstTry.computeIfAbsent(t.deploymentId(), id -> Instant.now()).minus(CLOCK_SKEW);
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("serviceId", target.serviceId());
        variables.put("environmentId", target.environmentId());
        if (t.ref() != null && COMMIT.matcher(t.ref()).matches()) {
            variables.put("commitSha", t.ref());
        }
        String what = "the deploy of service " + target.serviceId();
        return client.guarded(() -> !repeated.getAndSet(true)
                ? deploy(t, what, variables)
                : client.send(what, RECENT_DEPLOYMENTS, recentQuery(target), t.credential(), QUOTE)
                .chain(list -> {
                    if (client.rejection(list, what, QUOTE).isPresent()) {
                        return Uni.createFrom().item(list);
                    }
                    Optional<String> found = createdSince(list, since, t.deploymentId(), what);
                    if (found.isPresent()) {
                        Log.infof("deployment %s on railway: found as %s, not sent again", t.publicId(),
                                found.get());
                        return Uni.createFrom().item(triggeredAnswer(found.get()));
                    }
                    if (accepted.contains(t.deploymentId())) {
                        return Uni.createFrom().<HttpAnswer>failure(ProviderException.transientFailure(
                                "Railway accepted the deploy but does not list it yet", null));
                    }
                    return deploy(t, what, variables);
                }))
                .map(answer -> {
                    Triggered triggered = data(answer, what, new TypeReference<Answer<Triggered>>() { },
                            t.deploymentId(), QUOTE);
                    String id = triggered.serviceInstanceDeployV2();
                    if (id == null || id.isBlank()) {
                        throw answers.malformed(t.deploymentId(), "a deploy without a deployment id");
                    }
                    forget(t.deploymentId());
                    return id;
                })
                // A terminal failure ends the deployment: nothing will try this trigger again.
                .onFailure(e -> e instanceof ProviderException p && !p.isTransient())
                .invoke(() -> forget(t.deploymentId()));
    }

    /** Sends the deploy mutation and remembers when Railway took it, whether or not its id can be read. */
    private Uni<HttpAnswer> deploy(Trigger t, String what, Map<String, Object> variables) {
        return client.send(what, DEPLOY, variables, t.credential(), QUOTE).invoke(answer -> {
            if (tookIt(answer, what)) {
                accepted.add(t.deploymentId());
            }
        });
    }

    /**
     * Whether Railway processed the mutation: a 2xx without GraphQL errors whose body is GraphQL's {@code data}
     * object. A page that is not JSON may come from a proxy that never passed the request on, so it does not count.
     */
    private boolean tookIt(HttpAnswer answer, String what) {
        if (!answer.ok() || client.rejection(answer, what, QUOTE).isPresent()) {
            return false;
        }
        try {
            return json.readTree(answer.body()).path("data").isObject();
        } catch (JsonProcessingException | RuntimeException e) {
            return false;
        }
    }

    private void forget(long deploymentId) {
        firstTry.remove(deploymentId);
        accepted.remove(deploymentId);
    }

    private static Map<String, Object> recentQuery(RailwayTarget target) {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("projectId", target.projectId());
        input.put("environmentId", target.environmentId());
        input.put("serviceId", target.serviceId());
        return Map.of("first", RECENT, "input", input);
    }

    private Optional<String> createdSince(HttpAnswer list, Instant since, long deploymentId, String what) {
        DeploymentList found = data(list, what, new TypeReference<Answer<DeploymentList>>() { }, deploymentId,
                QUOTE);
        if (found.deployments() == null || found.deployments().edges() == null) {
            return Optional.empty();
        }
        return found.deployments().edges().stream().map(Edge::node)
                .filter(d -> d != null && d.id() != null && d.createdAt() != null && !d.createdAt().isBefore(since))
                .max(Comparator.comparing(Deployment::createdAt)).map(Deployment::id);
    }

    /** The answer a found deployment stands for, as if the mutation had just returned its id. */
    private HttpAnswer triggeredAnswer(String id) {
        try {
            return new HttpAnswer(200, json.writeValueAsString(Map.of("data", Map.of("serviceInstanceDeployV2", id))),
                    null);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a deployment id did not serialise", e);
        }
    }

    @Override
    public Uni<Status> status(Ref ref) {
        String what = "deployment " + ref.providerDeploymentId();
        return client.call(what, STATUS, Map.of("id", ref.providerDeploymentId()), ref.credential(), QUOTE)
                .map(answer -> {
                    DeploymentAnswer found = data(answer, what, new TypeReference<Answer<DeploymentAnswer>>() { },
                            ref.deploymentId(), QUOTE);
                    if (found.deployment() == null) {
                        throw answers.malformed(ref.deploymentId(), "no deployment");
                    }
                    return map(found.deployment());
                });
    }

    /** Railway's {@code DeploymentStatus} in Slipway's states, as providers.md maps them. */
    static Status map(Deployment d) {
        String status = d.status() == null ? "" : d.status();
        return switch (status) {
            case "BUILDING" -> new Status(DeploymentStatus.BUILDING, null, null);
            case "DEPLOYING" -> new Status(DeploymentStatus.DEPLOYING, null, null);
            case "SUCCESS", "SLEEPING" -> new Status(DeploymentStatus.READY, url(d), null);
            case "FAILED" -> new Status(DeploymentStatus.FAILED, null, "Railway deployment failed (FAILED)");
            case "CRASHED" -> new Status(DeploymentStatus.FAILED, null, "Railway deployment crashed (CRASHED)");
            case "REMOVED", "REMOVING" -> new Status(DeploymentStatus.CANCELED, null, "removed at Railway ("
                    + status + ")");
            case "SKIPPED" -> new Status(DeploymentStatus.CANCELED, null, "skipped at Railway (SKIPPED)");
            // QUEUED, WAITING, INITIALIZING, NEEDS_APPROVAL, and any status Railway adds later: on its way.
            default -> new Status(DeploymentStatus.STARTING, null, null);
        };
    }

    /** The service's public address: {@code staticUrl} is a host name; a service without a domain has none. */
    private static String url(Deployment d) {
        String host = d.staticUrl() != null && !d.staticUrl().isBlank() ? d.staticUrl() : d.url();
        if (host == null || host.isBlank()) {
            return null;
        }
        return host.startsWith("http://") || host.startsWith("https://") ? host : "https://" + host;
    }

    /**
     * Build lines, then the deployment's own lines, after the cursor. The cursor holds a position in each log,
     * {@code "<timestamp>|<lines seen at it>"}, joined by {@code ;}. Each page is asked for from just before the
     * last timestamp read, and lines at exactly that timestamp already seen are skipped, so nothing repeats and
     * nothing is lost whether Railway's {@code startDate} is inclusive or not, even with several lines at one
     * instant. The deployment's lines are read only once the build page is not full, so they follow the build's.
     */
    @Override
    public Uni<LogChunk> logsSince(Ref ref, String cursor) {
        Position[] at = Position.parse(cursor);
        return page(ref, BUILD_LOGS, at[0], new TypeReference<Answer<BuildLogs>>() { }, BuildLogs::buildLogs)
                .chain(build -> {
                    if (build.more()) {
                        return Uni.createFrom().item(chunk(build, new Page(List.of(), at[1], false)));
                    }
                    return page(ref, DEPLOYMENT_LOGS, at[1], new TypeReference<Answer<DeploymentLogs>>() { },
                            DeploymentLogs::deploymentLogs).map(deploy -> chunk(build, deploy));
                });
    }

    private static LogChunk chunk(Page build, Page deploy) {
        List<LogLine> lines = new ArrayList<>(build.lines());
        lines.addAll(deploy.lines());
        return new LogChunk(lines, build.next() + ";" + deploy.next(), build.more() || deploy.more());
    }

    /** One log's new lines, where to go on from, and whether its page was full. */
    record Page(List<LogLine> lines, Position next, boolean more) {
    }

    private <T> Uni<Page> page(Ref ref, String query, Position from, TypeReference<Answer<T>> type,
            java.util.function.Function<T, List<RailwayModels.Log>> lines) {
        String what = "the logs of deployment " + ref.providerDeploymentId();
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("deploymentId", ref.providerDeploymentId());
        variables.put("limit", LOG_PAGE);
        if (from.at() != null) {
            variables.put("startDate", from.at().minusMillis(1).toString());
        }
        return client.call(what, query, variables, ref.credential(), QUOTE).map(answer -> {
            List<RailwayModels.Log> read = lines.apply(data(answer, what, type, ref.deploymentId(), QUOTE));
            return after(read == null ? List.of() : read, from);
        });
    }

    /** The lines after {@code from}, oldest first; lines with the same timestamp keep Railway's order. */
    static Page after(List<RailwayModels.Log> logs, Position from) {
        List<RailwayModels.Log> sorted = logs.stream().filter(l -> l != null && l.timestamp() != null
                && l.message() != null).sorted(Comparator.comparing(RailwayModels.Log::timestamp)).toList();
        List<LogLine> lines = new ArrayList<>();
        Instant lastAt = from.at();
        int lastCount = from.seen();
        int skipped = 0;
        for (RailwayModels.Log log : sorted) {
            Instant ts = log.timestamp();
            if (from.at() != null && (ts.isBefore(from.at()) || ts.equals(from.at()) && skipped++ < from.seen())) {
                continue;
            }
            if (ts.equals(lastAt)) {
                lastCount++;
            } else {
                lastAt = ts;
                lastCount = 1;
            }
            lines.add(new LogLine(ts, stream(log.severity()), log.message()));
        }
        Position next = lastAt == null ? from : new Position(lastAt, lastCount);
        // A full page that brought nothing new would be asked for again at once, for ever.
        return new Page(lines, next, logs.size() >= LOG_PAGE && !lines.isEmpty());
    }

    private static String stream(String severity) {
        return severity != null && (severity.equalsIgnoreCase("error") || severity.equalsIgnoreCase("err"))
                ? "stderr" : "stdout";
    }

    /** Where one log was read up to: the last line's timestamp and how many lines at it were read (none yet: null). */
    record Position(Instant at, int seen) {

        static Position[] parse(String cursor) {
            if (cursor == null) {
                return new Position[] { new Position(null, 0), new Position(null, 0) };
            }
            String[] parts = cursor.split(";", -1);
            return new Position[] { of(parts[0]), of(parts.length > 1 ? parts[1] : "") };
        }

        private static Position of(String part) {
            int bar = part.indexOf('|');
            if (bar < 0) {
                return new Position(null, 0);
            }
            return new Position(Instant.parse(part.substring(0, bar)), Integer.parseInt(part.substring(bar + 1)));
        }

        @Override
        public String toString() {
            return at == null ? "" : at + "|" + seen;
        }
    }

    /**
     * A deployment that already ended cannot be cancelled; Railway says so with an error, which is success here.
     * Only a rejected token fails, since then nothing was cancelled.
     */
    @Override
    public Uni<Void> cancel(Ref ref) {
        String what = "cancelling deployment " + ref.providerDeploymentId();
        return client.call(what, CANCEL, Map.of("id", ref.providerDeploymentId()), ref.credential(), QUOTE)
                .map(answer -> {
                    Optional<RailwayClient.Rejection> rejection = client.rejection(answer, what, QUOTE);
                    if (rejection.isPresent() && rejection.get().kind() == Kind.TOKEN) {
                        throw client.record(rejection.get());
                    }
                    if (rejection.isPresent()) {
                        Log.debugf("railway: cancel of %s was refused; it had ended: %s",
                                ref.providerDeploymentId(), rejection.get().failure().getMessage());
                    } else {
                        Log.debugf("railway: cancel of %s sent", ref.providerDeploymentId());
                    }
                    return null;
                });
    }

    /** The answer's {@code data}, after its errors: a rejection fails for good, an answer without data is malformed. */
    private <T> T data(HttpAnswer answer, String what, TypeReference<Answer<T>> type, long deploymentId,
            UnaryOperator<String> shown) {
        client.check(answer, what, shown);
        Answer<T> read = answers.read(answer, type, deploymentId);
        if (read == null || read.data() == null) {
            throw answers.malformed(deploymentId, "an answer without data");
        }
        return read.data();
    }
}
