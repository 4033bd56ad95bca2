package dev.slipway.provider.vercel;

import java.util.List;
import java.util.Map;
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
 * A local stand-in for Vercel's REST API on 127.0.0.1, answering in the shapes of Vercel's public docs. What a
 * deployment does is chosen by the first word of its Vercel project name:
 * <ul>
 * <li>{@code happy}: QUEUED, BUILDING, READY (ROLLING), READY, with build events appearing as it goes;</li>
 * <li>{@code fail}: QUEUED, BUILDING, then ERROR with Vercel's error code and message;</li>
 * <li>{@code cancel}: builds until cancelled;</li>
 * <li>{@code flaky}: the first three creates answer 503 and create nothing, then like {@code happy};</li>
 * <li>{@code lost}: the first create is accepted but answered 503, as if the answer was lost;</li>
 * <li>{@code limited}: the first create answers 429 with {@code Retry-After: 2};</li>
 * <li>{@code garbled}: every status answer is an HTML page; {@code hiccup}: the first two are;</li>
 * <li>{@code hold}: builds until {@code POST /_fake/finish?project=...}, then READY;</li>
 * <li>{@code envflaky}: the first three variable upserts answer 503 and store nothing, then like {@code happy};</li>
 * <li>{@code noisy}: like {@code happy}, with {@link #NOISY_LINE} in place of its second build line.</li>
 * </ul>
 * Variables ({@code POST /v10/projects/{idOrName}/env}) are kept per project; an existing key without
 * {@code upsert=true} and a name Vercel reserves ({@link #RESERVED}) are refused with 400.
 * Only {@link #TOKEN} is accepted. Tests read what the fake received at {@code GET /_fake/requests} (the token
 * itself is never recorded) and switch a total outage on and off with {@code POST /_fake/down?on=true|false}.
 * {@code POST /_fake/slow-status?ms=N} sends the answers to status reads of {@code hold} deployments N ms after
 * deciding them on arrival. {@code POST /_fake/stall?on=true} holds every answer until {@code on=false}, which
 * answers the held requests
 * that are still open with 503 (a hanging API that then fails).
 */
public class FakeVercel implements QuarkusTestResourceLifecycleManager {

    static final String TOKEN = "vercel_fake_token_for_tests_0042";
    /** Some of the names Vercel reserves for its runtime; a variable cannot take them. */
    static final List<String> RESERVED = List.of("AWS_REGION", "AWS_ACCESS_KEY_ID", "TZ", "LAMBDA_TASK_ROOT");

    /** A build line that prints a GitHub token and runs to 20,000 bytes of two-byte characters. */
    static final String NOISY_LINE = "pushing with ghp_" + "A1b2C3d4E5".repeat(4) + " " + "é".repeat(10_000);

    private Vertx vertx;
    private final List<JsonObject> requests = new CopyOnWriteArrayList<>();
    private final Map<String, JsonObject> deployments = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> creates = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicBoolean down = new AtomicBoolean();
    private final AtomicBoolean stall = new AtomicBoolean();
    /** How long answers to status reads wait before they are sent; they are decided on arrival. */
    private final java.util.concurrent.atomic.AtomicLong slowStatus = new java.util.concurrent.atomic.AtomicLong();
    private final List<HttpServerRequest> stalled = new CopyOnWriteArrayList<>();
    private final Map<String, Map<String, JsonObject>> env = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> envPosts = new ConcurrentHashMap<>();

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(r -> r.body().onSuccess(b -> handle(r, b)));
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the fake Vercel did not start", e);
        }
        return Map.of("slipway.providers.vercel.api-url", "http://127.0.0.1:" + server.actualPort());
    }

    @Override
    public void stop() {
        if (vertx != null) {
            vertx.close();
        }
    }

    private void handle(HttpServerRequest r, Buffer body) {
        String path = r.path();
        if (path.startsWith("/_fake/")) {
            control(r);
            return;
        }
        String auth = r.getHeader("Authorization");
        boolean good = ("Bearer " + TOKEN).equals(auth);
        JsonObject json = body.length() == 0 ? null : tryJson(body.toString());
        requests.add(new JsonObject().put("method", r.method().name()).put("path", path)
                .put("query", r.query() == null ? "" : r.query()).put("at", System.currentTimeMillis())
                .put("project", project(r, json)).put("tokenAccepted", good).put("body", json));
        if (stall.get()) {
            stalled.add(r);
        } else if (down.get()) {
            r.response().setStatusCode(503).end("<html>Service Unavailable</html>");
        } else if (!good) {
            // What Vercel answers for a token it does not know: 403, flagged as an invalid token.
            r.response().setStatusCode(403).putHeader("Content-Type", "application/json")
                    .end(new JsonObject().put("error", new JsonObject().put("code", "forbidden")
                            .put("message", "Not authorized").put("invalidToken", true)).encode());
        } else if ("POST".equals(r.method().name()) && "/v13/deployments".equals(path)) {
            create(r, json);
        } else if ("POST".equals(r.method().name()) && path.matches("/v10/projects/[^/]+/env")) {
            upsertEnv(r, path.split("/")[3], json);
        } else if ("GET".equals(r.method().name()) && "/v6/deployments".equals(path)) {
            list(r);
        } else if (path.startsWith("/v13/deployments/")) {
            status(r, path.substring("/v13/deployments/".length()));
        } else if (path.startsWith("/v3/deployments/") && path.endsWith("/events")) {
            events(r, path.substring("/v3/deployments/".length(), path.length() - "/events".length()));
        } else if (path.startsWith("/v12/deployments/") && path.endsWith("/cancel")) {
            cancel(r, path.substring("/v12/deployments/".length(), path.length() - "/cancel".length()));
        } else {
            error(r, 404, "not_found", "The requested path was not found");
        }
    }

    private void control(HttpServerRequest r) {
        if (r.path().equals("/_fake/down")) {
            down.set(Boolean.parseBoolean(r.getParam("on")));
            r.response().setStatusCode(204).end();
        } else if (r.path().equals("/_fake/stall")) {
            stall.set(Boolean.parseBoolean(r.getParam("on")));
            if (!stall.get()) {
                stalled.removeIf(held -> {
                    if (!held.response().ended() && !held.response().closed()) {
                        held.response().setStatusCode(503).end("<html>Service Unavailable</html>");
                    }
                    return true;
                });
            }
            r.response().setStatusCode(204).end();
        } else if (r.path().equals("/_fake/slow-status")) {
            slowStatus.set(Long.parseLong(r.getParam("ms")));
            r.response().setStatusCode(204).end();
        } else if (r.path().equals("/_fake/finish")) {
            deployments.values().stream().filter(d -> d.getString("name").equals(r.getParam("project")))
                    .forEach(d -> d.put("finished", true));
            r.response().setStatusCode(204).end();
        } else {
            r.response().putHeader("Content-Type", "application/json").end(new JsonArray(requests).encode());
        }
    }

    private void create(HttpServerRequest r, JsonObject body) {
        String name = body.getString("name");
        int n = creates.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        String scenario = scenario(name);
        if ("flaky".equals(scenario) && n <= 3) {
            r.response().setStatusCode(503).end("upstream unavailable");
            return;
        }
        if ("limited".equals(scenario) && n == 1) {
            r.response().setStatusCode(429).putHeader("Retry-After", "2").putHeader("Content-Type",
                    "application/json").end(new JsonObject().put("error", new JsonObject()
                            .put("code", "rate_limited").put("message", "Too many requests")).encode());
            return;
        }
        String id = "dpl_" + ids.incrementAndGet();
        JsonObject d = new JsonObject().put("id", id).put("name", name).put("projectId", body.getString("project"))
                .put("url", name + "-" + id.toLowerCase() + ".vercel.app").put("meta", body.getJsonObject("meta"))
                .put("target", body.getString("target")).put("createdAt", System.currentTimeMillis())
                .put("statusCalls", 0).put("canceled", false);
        deployments.put(id, d);
        if ("lost".equals(scenario) && n == 1) {
            r.response().setStatusCode(503).end("gateway timeout after accepting");
            return;
        }
        ok(r, view(d, "QUEUED", null));
    }

    /** One variable per request, answered as Vercel does: {@code {"created": {...}, "failed": []}}. */
    private void upsertEnv(HttpServerRequest r, String project, JsonObject body) {
        int n = envPosts.computeIfAbsent(project, k -> new AtomicInteger()).incrementAndGet();
        if ("envflaky".equals(scenario(project)) && n <= 3) {
            r.response().setStatusCode(503).end("upstream unavailable");
            return;
        }
        String key = body == null ? null : body.getString("key");
        if (key == null || body.getString("value") == null || !List.of("system", "encrypted", "plain", "sensitive")
                .contains(body.getString("type")) || body.getJsonArray("target") == null) {
            error(r, 400, "bad_request", "Invalid request: missing or invalid key, value, type or target");
            return;
        }
        if (key.startsWith("CRON_")) {
            // Providers do quote what they could not parse.
            error(r, 400, "invalid_value", "Invalid value '" + body.getString("value") + "' for " + key);
            return;
        }
        if (RESERVED.contains(key)) {
            error(r, 400, "env_key_reserved", "The name " + key + " is reserved by Vercel; choose another name");
            return;
        }
        Map<String, JsonObject> vars = env.computeIfAbsent(project, k -> new ConcurrentHashMap<>());
        if (vars.containsKey(key) && !"true".equals(r.getParam("upsert"))) {
            error(r, 400, "ENV_ALREADY_EXISTS", "A variable with the name " + key + " already exists");
            return;
        }
        JsonObject stored = new JsonObject().put("id", "env_" + key.toLowerCase()).put("key", key)
                .put("type", body.getString("type")).put("target", body.getJsonArray("target"))
                .put("updatedAt", System.currentTimeMillis());
        vars.put(key, stored.copy().put("value", body.getString("value")));
        r.response().setStatusCode(201).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("created", stored).put("failed", new JsonArray()).encode());
    }

    private void list(HttpServerRequest r) {
        // Filters by project only, so Slipway has to match the meta tag itself.
        String project = r.getParam("projectId");
        JsonArray items = new JsonArray();
        deployments.values().stream().filter(d -> d.getString("projectId").equals(project))
                .sorted((a, b) -> Long.compare(b.getLong("createdAt"), a.getLong("createdAt")))
                .forEach(d -> items.add(new JsonObject().put("uid", d.getString("id")).put("name",
                        d.getString("name")).put("url", d.getString("url")).put("state", "BUILDING")
                        .put("meta", d.getJsonObject("meta")).put("created", d.getLong("createdAt"))));
        ok(r, new JsonObject().put("deployments", items).put("pagination", new JsonObject().put("count",
                items.size())));
    }

    private void status(HttpServerRequest r, String id) {
        JsonObject d = deployments.get(id);
        if (d == null) {
            error(r, 404, "not_found", "Deployment not found");
            return;
        }
        int k = d.getInteger("statusCalls");
        d.put("statusCalls", k + 1);
        String scenario = scenario(d.getString("name"));
        if ("garbled".equals(scenario) || "hiccup".equals(scenario) && k < 2) {
            r.response().putHeader("Content-Type", "text/html").end("<html><body>502 Bad Gateway</body></html>");
            return;
        }
        if ("hiccup".equals(scenario)) {
            k -= 2;
        }
        if (d.getBoolean("canceled")) {
            ok(r, view(d, "CANCELED", null));
        } else if ("hold".equals(scenario)) {
            JsonObject answer = d.getBoolean("finished", false) ? view(d, "READY", "PROMOTED")
                    : view(d, k == 0 ? "QUEUED" : "BUILDING", null);
            long slow = slowStatus.get();
            if (slow > 0) {
                vertx.setTimer(slow, t -> ok(r, answer));
            } else {
                ok(r, answer);
            }
        } else if (k == 0) {
            ok(r, view(d, "QUEUED", null));
        } else if (k == 1 || "cancel".equals(scenario)) {
            ok(r, view(d, "BUILDING", null));
        } else if ("fail".equals(scenario)) {
            ok(r, view(d, "ERROR", null).put("errorCode", "BUILD_FAILED")
                    .put("errorMessage", "Command \"npm run build\" exited with 1"));
        } else {
            ok(r, view(d, "READY", k == 2 ? "ROLLING" : "PROMOTED"));
        }
    }

    private void events(HttpServerRequest r, String id) {
        JsonObject d = deployments.get(id);
        if (d == null) {
            error(r, 404, "not_found", "Deployment not found");
            return;
        }
        long t = d.getLong("createdAt");
        List<JsonObject> all = "fail".equals(scenario(d.getString("name")))
                ? List.of(event("command", t + 1, "Running \"npm run build\""),
                        event("stderr", t + 2, "Error: Command \"npm run build\" exited with 1"))
                : List.of(event("command", t + 1, "Running \"npm run build\""),
                        event("stdout", t + 2, "noisy".equals(scenario(d.getString("name"))) ? NOISY_LINE
                                : "Compiled successfully"),
                        event("stdout", t + 2, "Collecting page data"),
                        new JsonObject().put("type", "deployment-state").put("created", t + 3)
                                .put("payload", new JsonObject().put("info", new JsonObject()
                                        .put("readyState", "READY"))),
                        // The older flat shape: text and date at the top level.
                        new JsonObject().put("type", "stdout").put("created", t + 4).put("date", t + 4)
                                .put("text", "Build Completed in /vercel/output [12s]"),
                        event("stderr", t + 5, "warn: 1 deprecated package"));
        int visible = Math.min(all.size(), 2 * d.getInteger("statusCalls"));
        String since = r.getParam("since");
        JsonArray answer = new JsonArray();
        // since is inclusive here, so Slipway must skip the events it already has at that millisecond.
        all.subList(0, visible).stream().filter(e -> since == null || e.getLong("created") >= Long.parseLong(since))
                .forEach(answer::add);
        r.response().putHeader("Content-Type", "application/json").end(answer.encode());
    }

    private void cancel(HttpServerRequest r, String id) {
        JsonObject d = deployments.get(id);
        if (d == null) {
            error(r, 404, "not_found", "Deployment not found");
            return;
        }
        d.put("canceled", true);
        ok(r, view(d, "CANCELED", null));
    }

    private static JsonObject event(String type, long at, String text) {
        return new JsonObject().put("type", type).put("created", at).put("payload", new JsonObject()
                .put("text", text).put("date", at).put("serial", at + "-" + text.length()));
    }

    private static JsonObject view(JsonObject d, String state, String substate) {
        JsonObject view = new JsonObject().put("id", d.getString("id")).put("name", d.getString("name"))
                .put("url", d.getString("url")).put("readyState", state).put("status", state)
                .put("target", d.getString("target")).put("meta", d.getJsonObject("meta"))
                .put("createdAt", d.getLong("createdAt"));
        return substate == null ? view : view.put("readySubstate", substate);
    }

    private static String scenario(String name) {
        return name == null ? "" : name.split("-")[0];
    }

    private String project(HttpServerRequest r, JsonObject body) {
        if (body != null && body.getString("name") != null) {
            return body.getString("name");
        }
        if (r.getParam("projectId") != null) {
            return r.getParam("projectId");
        }
        String[] parts = r.path().split("/");
        if (r.path().startsWith("/v10/projects/")) {
            return parts[3];
        }
        JsonObject d = parts.length > 3 ? deployments.get(parts[3]) : null;
        return d == null ? null : d.getString("name");
    }

    private static JsonObject tryJson(String text) {
        try {
            return new JsonObject(text);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void ok(HttpServerRequest r, JsonObject body) {
        r.response().putHeader("Content-Type", "application/json").end(body.encode());
    }

    private static void error(HttpServerRequest r, int status, String code, String message) {
        r.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(new JsonObject().put("error", new JsonObject().put("code", code).put("message", message))
                        .encode());
    }
}
