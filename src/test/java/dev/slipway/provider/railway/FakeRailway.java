package dev.slipway.provider.railway;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A local stand-in for Railway's public GraphQL API ({@code POST /graphql/v2}) on 127.0.0.1, answering in Railway's
 * shapes: {@code {"data": {...}}}, and errors as {@code {"data": null, "errors": [{message, extensions}]}} with
 * HTTP 200. What a deployment does is chosen by the first word of its service id:
 * <ul>
 * <li>{@code happy}: QUEUED, BUILDING, DEPLOYING, SUCCESS; build lines appear two per timestamp as it goes, the
 * deployment's own lines once it deploys;</li>
 * <li>{@code long}: 1,103 build lines three per timestamp at once, more than one page, then SUCCESS;</li>
 * <li>{@code fail}: QUEUED, BUILDING, FAILED;</li>
 * <li>{@code cancel}: builds until {@code deploymentCancel}, then REMOVED;</li>
 * <li>{@code flaky}: the first deploy creates the deployment but answers "Problem processing request", and the
 * next two deployment lists answer 503; then like {@code happy};</li>
 * <li>{@code limited}: the first deploy answers a RATE_LIMITED error and creates nothing;</li>
 * <li>{@code throttled}: the first deploy answers HTTP 429 with {@code Retry-After: 2} and creates nothing;</li>
 * <li>{@code burst}: the first three deploys answer HTTP 503 and create nothing;</li>
 * <li>{@code lostid}: the first deploy creates the deployment but its answer has no id, and the deployment is left
 * out of the first {@link #LAGGING_LISTS} deployment lists; then like {@code happy};</li>
 * <li>{@code garbled}: every status answer is an HTML page; {@code hiccup}: the first two are;</li>
 * <li>{@code badvars}: the variable upsert answers a validation error that quotes the first value;</li>
 * <li>{@code missing}: every deploy answers "Service not found" (HTTP 200, as Railway sends its errors) and creates
 * nothing.</li>
 * </ul>
 * Only {@link #TOKEN} is accepted; others get Railway's "Not Authorized". {@code startDate} of the log queries is
 * taken as exclusive, the harder case for a cursor. Tests read what arrived at {@code GET /_fake/requests} (never
 * the token), {@code GET /_fake/deployments?service=} the ids of the deployments created, and
 * {@code POST /_fake/down?on=true|false} switches a total outage (HTTP 503 to everything) on and off.
 */
public class FakeRailway implements QuarkusTestResourceLifecycleManager {

    static final String TOKEN = "railway_fake_account_token_0042";
    /** How many deployment lists a {@code lostid} deployment is left out of. */
    static final int LAGGING_LISTS = 2;

    private Vertx vertx;
    private final List<JsonObject> requests = new CopyOnWriteArrayList<>();
    private final Map<String, JsonObject> deployments = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> deploys = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> lists = new ConcurrentHashMap<>();
    private final AtomicBoolean down = new AtomicBoolean();

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(r -> r.body().onSuccess(b -> handle(r, b)));
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the fake Railway did not start", e);
        }
        return Map.of("slipway.providers.railway.api-url", "http://127.0.0.1:" + server.actualPort());
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close();
        }
    }

    private void handle(HttpServerRequest r, Buffer body) {
        if (r.path().startsWith("/_fake/")) {
            control(r);
            return;
        }
        if (!r.path().equals("/graphql/v2") || !"POST".equals(r.method().name())) {
            r.response().setStatusCode(404).end();
            return;
        }
        JsonObject request = new JsonObject(body.toString());
        String query = request.getString("query");
        JsonObject variables = request.getJsonObject("variables", new JsonObject());
        String op = operation(query);
        String service = service(op, variables);
        boolean good = ("Bearer " + TOKEN).equals(r.getHeader("Authorization"));
        requests.add(new JsonObject().put("op", op).put("service", service).put("query", query)
                .put("variables", variables).put("tokenAccepted", good).put("at", System.currentTimeMillis()));
        if (down.get()) {
            r.response().setStatusCode(503).putHeader("Content-Type", "text/html")
                    .end("<html><body>503 Service Temporarily Unavailable</body></html>");
            return;
        }
        if (!good) {
            errors(r, "Not Authorized", "UNAUTHENTICATED");
            return;
        }
        switch (op) {
            case "deploy" -> deploy(r, service, variables);
            case "list" -> list(r, service, variables.getJsonObject("input"));
            case "status" -> status(r, variables.getString("id"));
            case "buildLogs" -> logs(r, op, variables, buildLines(deployments.get(variables.getString("deploymentId"))));
            case "deploymentLogs" -> logs(r, op, variables,
                    deployLines(deployments.get(variables.getString("deploymentId"))));
            case "cancel" -> cancel(r, variables.getString("id"));
            case "variables" -> upsert(r, service, variables.getJsonObject("input"));
            default -> errors(r, "Cannot query field on type \"Query\".", "GRAPHQL_VALIDATION_FAILED");
        }
    }

    private void control(HttpServerRequest r) {
        if (r.path().equals("/_fake/down")) {
            down.set(Boolean.parseBoolean(r.getParam("on")));
            r.response().setStatusCode(204).end();
        } else if (r.path().equals("/_fake/deployments")) {
            JsonArray ids = new JsonArray();
            deployments.values().stream().filter(d -> d.getString("service").equals(r.getParam("service")))
                    .forEach(d -> ids.add(d.getString("id")));
            r.response().putHeader("Content-Type", "application/json").end(ids.encode());
        } else {
            r.response().putHeader("Content-Type", "application/json").end(new JsonArray(requests).encode());
        }
    }

    private static String operation(String query) {
        if (query.contains("serviceInstanceDeployV2(")) {
            return "deploy";
        } else if (query.contains("deployments(")) {
            return "list";
        } else if (query.contains("buildLogs(")) {
            return "buildLogs";
        } else if (query.contains("deploymentLogs(")) {
            return "deploymentLogs";
        } else if (query.contains("deploymentCancel(")) {
            return "cancel";
        } else if (query.contains("variableCollectionUpsert(")) {
            return "variables";
        } else if (query.contains("deployment(")) {
            return "status";
        }
        return "unknown";
    }

    /** The service a request is about, from its variables or from the deployment it names. */
    private String service(String op, JsonObject variables) {
        if (variables.containsKey("serviceId")) {
            return variables.getString("serviceId");
        }
        JsonObject input = variables.getJsonObject("input");
        if (input != null) {
            return input.getString("serviceId");
        }
        String id = variables.getString("id", variables.getString("deploymentId"));
        JsonObject d = id == null ? null : deployments.get(id);
        return d == null ? null : d.getString("service");
    }

    private void deploy(HttpServerRequest r, String service, JsonObject variables) {
        int n = deploys.computeIfAbsent(service, k -> new AtomicInteger()).incrementAndGet();
        if (scenario(service).equals("limited") && n == 1) {
            errors(r, "Rate limit exceeded for this token. Try again later.", "RATE_LIMITED");
            return;
        }
        if (scenario(service).equals("throttled") && n == 1) {
            r.response().setStatusCode(429).putHeader("Retry-After", "2").putHeader("Content-Type",
                    "application/json").end(new JsonObject().put("errors", new JsonArray()
                            .add(new JsonObject().put("message", "Too many requests"))).encode());
            return;
        }
        if (scenario(service).equals("missing")) {
            errors(r, "Service not found", "NOT_FOUND");
            return;
        }
        if (scenario(service).equals("burst") && n <= 3) {
            r.response().setStatusCode(503).end("upstream connect error or disconnect/reset before headers");
            return;
        }
        String id = UUID.randomUUID().toString();
        deployments.put(id, new JsonObject().put("id", id).put("service", service)
                .put("environment", variables.getString("environmentId")).put("calls", 0).put("canceled", false)
                .put("createdAt", Instant.now().toString()).put("commitSha", variables.getString("commitSha")));
        if (scenario(service).equals("flaky") && n == 1) {
            errors(r, "Problem processing request", "INTERNAL_SERVER_ERROR");
            return;
        }
        if (scenario(service).equals("lostid") && n == 1) {
            deployments.get(id).put("unlisted", LAGGING_LISTS);
            data(r, new JsonObject().putNull("serviceInstanceDeployV2"));
            return;
        }
        data(r, new JsonObject().put("serviceInstanceDeployV2", id));
    }

    private void list(HttpServerRequest r, String service, JsonObject input) {
        int n = lists.computeIfAbsent(service, k -> new AtomicInteger()).incrementAndGet();
        if (scenario(service).equals("flaky") && deploys.containsKey(service) && n <= 3) {
            r.response().setStatusCode(503).end("upstream connect error");
            return;
        }
        JsonArray edges = new JsonArray();
        deployments.values().stream().filter(d -> d.getString("service").equals(service)
                && d.getString("environment").equals(input.getString("environmentId")))
                .filter(FakeRailway::listedNow)
                .sorted(Comparator.comparing((JsonObject d) -> d.getString("createdAt")).reversed())
                .forEach(d -> edges.add(new JsonObject().put("node", new JsonObject().put("id", d.getString("id"))
                        .put("status", "BUILDING").put("createdAt", d.getString("createdAt")))));
        data(r, new JsonObject().put("deployments", new JsonObject().put("edges", edges)));
    }

    /** Whether a list shows the deployment yet: a lagging one is left out of the first few. */
    private static boolean listedNow(JsonObject d) {
        int unlisted = d.getInteger("unlisted", 0);
        d.put("unlisted", unlisted - 1);
        return unlisted <= 0;
    }

    private void status(HttpServerRequest r, String id) {
        JsonObject d = deployments.get(id);
        if (d == null) {
            errors(r, "Deployment not found", "NOT_FOUND");
            return;
        }
        int k = d.getInteger("calls");
        d.put("calls", k + 1);
        String scenario = scenario(d.getString("service"));
        if (scenario.equals("garbled") || scenario.equals("hiccup") && k < 2) {
            r.response().putHeader("Content-Type", "text/html").end("<html><body>502 Bad Gateway</body></html>");
            return;
        }
        if (scenario.equals("hiccup")) {
            k -= 2;
        }
        String status;
        if (d.getBoolean("canceled")) {
            status = "REMOVED";
        } else if (scenario.equals("long")) {
            status = k == 0 ? "BUILDING" : "SUCCESS";
        } else if (k == 0) {
            status = "QUEUED";
        } else if (k == 1 || scenario.equals("cancel")) {
            status = "BUILDING";
        } else if (scenario.equals("fail")) {
            status = "FAILED";
        } else {
            status = k == 2 ? "DEPLOYING" : "SUCCESS";
        }
        data(r, new JsonObject().put("deployment", new JsonObject().put("id", id).put("status", status)
                .put("staticUrl", d.getString("service") + "-production.up.railway.app").put("url", null)
                .put("createdAt", d.getString("createdAt"))));
    }

    /** Build lines visible so far: two per timestamp, a few more with each status poll. */
    private static List<JsonObject> buildLines(JsonObject d) {
        if (d == null) {
            return List.of();
        }
        Instant t = Instant.parse(d.getString("createdAt")).truncatedTo(ChronoUnit.SECONDS).plusNanos(123_456_789);
        String scenario = scenario(d.getString("service"));
        List<JsonObject> lines = new ArrayList<>();
        if (scenario.equals("long")) {
            for (int i = 0; i < 1103; i++) {
                lines.add(line(t.plusMillis(1 + i / 3), "build line " + i, "info"));
            }
            return lines;
        }
        List<String> texts = scenario.equals("fail")
                ? List.of("[Region: us-west1] Using Nixpacks", "npm ERR! build failed with exit code 1")
                : List.of("[Region: us-west1] Using Nixpacks", "npm ci", "npm run build", "compiled 12 modules",
                        "Build time: 21.84 seconds");
        int visible = Math.min(texts.size(), 2 * d.getInteger("calls"));
        for (int i = 0; i < visible; i++) {
            boolean error = texts.get(i).startsWith("npm ERR!");
            lines.add(line(t.plusSeconds(1 + i / 2), texts.get(i), error ? "error" : "info"));
        }
        return lines;
    }

    /** The deployment's own lines: once it deploys (the third status poll), all of them a poll later. */
    private static List<JsonObject> deployLines(JsonObject d) {
        if (d == null) {
            return List.of();
        }
        String scenario = scenario(d.getString("service"));
        int calls = d.getInteger("calls");
        if (scenario.equals("fail") || scenario.equals("cancel") || calls < (scenario.equals("long") ? 1 : 3)) {
            return List.of();
        }
        Instant t = Instant.parse(d.getString("createdAt")).truncatedTo(ChronoUnit.SECONDS).plusSeconds(30)
                .plusNanos(5);
        List<JsonObject> lines = List.of(line(t, "Starting Container", "info"),
                line(t, "> shop@1.0.0 start", "info"), line(t.plusNanos(1), "listening on :8080", "info"));
        return calls == 3 && !scenario.equals("long") ? lines.subList(0, 1) : lines;
    }

    private static JsonObject line(Instant at, String message, String severity) {
        return new JsonObject().put("timestamp", at.toString()).put("message", message).put("severity", severity)
                .put("attributes", new JsonArray().add(new JsonObject().put("key", "level").put("value", severity)))
                .put("tags", new JsonObject().put("deploymentId", "x"));
    }

    /** Lines after {@code startDate} (exclusive), oldest first, at most {@code limit}. */
    private void logs(HttpServerRequest r, String field, JsonObject variables, List<JsonObject> lines) {
        String start = variables.getString("startDate");
        Instant after = start == null ? null : Instant.parse(start);
        int limit = variables.getInteger("limit", 100);
        JsonArray page = new JsonArray();
        lines.stream().filter(l -> after == null || Instant.parse(l.getString("timestamp")).isAfter(after))
                .limit(limit).forEach(page::add);
        data(r, new JsonObject().put(field, page));
    }

    private void cancel(HttpServerRequest r, String id) {
        JsonObject d = deployments.get(id);
        if (d == null) {
            errors(r, "Deployment not found", "NOT_FOUND");
            return;
        }
        d.put("canceled", true);
        data(r, new JsonObject().put("deploymentCancel", true));
    }

    private void upsert(HttpServerRequest r, String service, JsonObject input) {
        if (scenario(service).equals("badvars")) {
            Object value = input.getJsonObject("variables").getMap().values().iterator().next();
            errors(r, "Variable \"$input\" got invalid value \"" + value + "\" at \"input.variables\"",
                    "BAD_USER_INPUT");
            return;
        }
        data(r, new JsonObject().put("variableCollectionUpsert", true));
    }

    private static String scenario(String service) {
        return service == null ? "" : service.substring(0, Math.max(0, service.indexOf('-')));
    }

    private static void data(HttpServerRequest r, JsonObject data) {
        r.response().putHeader("Content-Type", "application/json").end(new JsonObject().put("data", data).encode());
    }

    /** Railway's error shape, with HTTP 200 as Railway sends it. */
    private static void errors(HttpServerRequest r, String message, String code) {
        r.response().putHeader("Content-Type", "application/json").end(new JsonObject().putNull("data")
                .put("errors", new JsonArray().add(new JsonObject().put("message", message)
                        .put("locations", new JsonArray().add(new JsonObject().put("line", 2).put("column", 3)))
                        .put("extensions", new JsonObject().put("code", code))))
                .encode());
    }
}
