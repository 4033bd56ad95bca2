package dev.slipway.provider.render;

import java.time.Instant;
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
 * A local stand-in for Render's REST API on 127.0.0.1, in the shapes of Render's public schema. The service id's
 * second word picks the behaviour: {@code srv-happy-...} goes queued, build_in_progress, update_in_progress, live;
 * {@code srv-queued-...} answers the trigger with 202 and no body, then the same; {@code srv-lagging-...} too, but
 * leaves the deploy out of the first {@link #LAGGING_LISTS} lists of the service's deploys;
 * {@code srv-garbledlist-...} answers the trigger with 202 and every list of deploys with a non-JSON page;
 * {@code srv-failed-...} ends build_failed; {@code srv-envflaky-...} answers its first three variable upserts with
 * 503, then like happy;
 * {@code srv-flaky-...} answers its first three triggers 503 without creating anything;
 * {@code srv-limited-...} answers its first trigger 429 with {@code Retry-After: 2}, {@code srv-dated-...} with
 * {@code Retry-After} as an HTTP date three seconds ahead (whole seconds, so 2-3 s); {@code srv-slow-...} builds
 * until it is cancelled; {@code srv-garbled-...} answers every status read with a non-JSON page,
 * {@code srv-hiccup-...} only its second one. Every service is at
 * {@code https://<serviceId>.onrender.com}. Variables ({@code PUT /services/{serviceId}/env-vars/{envVarKey}} with
 * {@code {"value": ...}}) are kept per service. Only {@link #TOKEN} is accepted; {@code GET /_fake/requests} shows
 * what arrived (never the token), {@code GET /_fake/deploys?service=} the deploys created, and
 * {@code POST /_fake/down?on=true|false} switches a total outage on and off.
 */
public class FakeRender implements QuarkusTestResourceLifecycleManager {

    static final String TOKEN = "rnd_fake_render_api_key_0042";
    /** How many lists of its service's deploys a {@code srv-lagging-} deploy is left out of. */
    static final int LAGGING_LISTS = 3;

    /** The IMF-fixdate form of an HTTP date, as servers send it. */
    private static final java.time.format.DateTimeFormatter HTTP_DATE = java.time.format.DateTimeFormatter
            .ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.ENGLISH);

    private Vertx vertx;
    private final List<JsonObject> requests = new CopyOnWriteArrayList<>();
    private final Map<String, JsonObject> deploys = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<String, Map<String, String>> env = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> envPuts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> triggers = new ConcurrentHashMap<>();
    private final AtomicBoolean down = new AtomicBoolean();

    @Override
    public Map<String, String> start() {
        vertx = Vertx.vertx();
        HttpServer server = vertx.createHttpServer().requestHandler(r -> r.body().onSuccess(b -> handle(r, b)));
        try {
            server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the fake Render did not start", e);
        }
        return Map.of("slipway.providers.render.api-url", "http://127.0.0.1:" + server.actualPort() + "/v1");
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
        String path = r.path().substring("/v1".length());
        String[] parts = path.split("/");
        String service = parts.length > 2 && "services".equals(parts[1]) ? parts[2] : r.getParam("resource");
        boolean good = ("Bearer " + TOKEN).equals(r.getHeader("Authorization"));
        requests.add(new JsonObject().put("method", r.method().name()).put("path", path).put("service", service)
                .put("query", r.query() == null ? "" : r.query()).put("tokenAccepted", good)
                .put("at", System.currentTimeMillis())
                .put("body", body.length() == 0 ? null : body.toString()));
        String method = r.method().name();
        if (down.get()) {
            r.response().setStatusCode(503).end("<html>Service Unavailable</html>");
        } else if (!good) {
            json(r, 401, new JsonObject().put("message", "unauthorized"));
        } else if ("PUT".equals(method) && parts.length == 5 && "env-vars".equals(parts[3])) {
            upsertEnv(r, service, java.net.URLDecoder.decode(parts[4], java.nio.charset.StandardCharsets.UTF_8),
                    body);
        } else if ("POST".equals(method) && parts.length == 4 && "deploys".equals(parts[3])) {
            trigger(r, service, new JsonObject(body.length() == 0 ? "{}" : body.toString()));
        } else if ("GET".equals(method) && parts.length == 4 && "deploys".equals(parts[3])) {
            list(r, service);
        } else if ("GET".equals(method) && parts.length == 3 && "services".equals(parts[1])) {
            json(r, 200, new JsonObject().put("id", service).put("type", "web_service").put("serviceDetails",
                    new JsonObject().put("url", "https://" + service + ".onrender.com").put("region", "oregon")));
        } else if (parts.length >= 5 && !deploys.containsKey(parts[4])) {
            // Another start of the fake, or another test's deploy: Render answers 404 for a deploy it lacks.
            json(r, 404, new JsonObject().put("message", "deploy not found"));
        } else if ("GET".equals(method) && parts.length == 5) {
            status(r, parts[4]);
        } else if ("POST".equals(method) && parts.length == 6 && "cancel".equals(parts[5])) {
            JsonObject d = deploys.get(parts[4]);
            d.put("canceled", true);
            json(r, 200, view(d, "canceled"));
        } else if ("/logs".equals(path)) {
            logs(r, service);
        } else {
            json(r, 404, new JsonObject().put("message", "not found"));
        }
    }

    private void control(HttpServerRequest r) {
        if (r.path().equals("/_fake/down")) {
            down.set(Boolean.parseBoolean(r.getParam("on")));
            r.response().setStatusCode(204).end();
        } else if (r.path().equals("/_fake/deploys")) {
            JsonArray ids = new JsonArray();
            deploys.values().stream().filter(d -> d.getString("service").equals(r.getParam("service")))
                    .forEach(d -> ids.add(d.getString("id")));
            r.response().putHeader("Content-Type", "application/json").end(ids.encode());
        } else {
            r.response().putHeader("Content-Type", "application/json").end(new JsonArray(requests).encode());
        }
    }

    private void trigger(HttpServerRequest r, String service, JsonObject body) {
        int n = triggers.computeIfAbsent(service, k -> new AtomicInteger()).incrementAndGet();
        if (service.startsWith("srv-flaky-") && n <= 3) {
            r.response().setStatusCode(503).end("upstream unavailable");
            return;
        }
        if (service.startsWith("srv-limited-") && n == 1) {
            r.response().setStatusCode(429).putHeader("Retry-After", "2").putHeader("Content-Type",
                    "application/json").end(new JsonObject().put("message", "rate limit exceeded").encode());
            return;
        }
        if (service.startsWith("srv-dated-") && n == 1) {
            String date = HTTP_DATE.format(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(3));
            r.response().setStatusCode(429).putHeader("Retry-After", date).putHeader("Content-Type",
                    "application/json").end(new JsonObject().put("message", "rate limit exceeded").encode());
            return;
        }
        String id = "dep-" + ids.incrementAndGet();
        JsonObject d = new JsonObject().put("id", id).put("service", service).put("calls", 0).put("canceled", false)
                .put("createdAt", Instant.now().toString()).put("commitId", body.getString("commitId"));
        if (service.startsWith("srv-lagging-")) {
            d.put("unlisted", LAGGING_LISTS);
        }
        deploys.put(id, d);
        if (service.startsWith("srv-queued-") || service.startsWith("srv-lagging-")
                || service.startsWith("srv-garbledlist-")) {
            r.response().setStatusCode(202).end();
        } else {
            json(r, 201, view(d, "created"));
        }
    }

    /** Answers the variable as Render does, {@code {"key": ..., "value": ...}}. */
    private void upsertEnv(HttpServerRequest r, String service, String key, Buffer body) {
        int n = envPuts.computeIfAbsent(service, k -> new AtomicInteger()).incrementAndGet();
        if (service.startsWith("srv-envflaky-") && n <= 3) {
            r.response().setStatusCode(503).end("upstream unavailable");
            return;
        }
        JsonObject json = body.length() == 0 ? new JsonObject() : new JsonObject(body.toString());
        String value = json.getString("value");
        if (value == null) {
            json(r, 400, new JsonObject().put("message", "value or generateValue is required"));
            return;
        }
        env.computeIfAbsent(service, k -> new ConcurrentHashMap<>()).put(key, value);
        json(r, 200, new JsonObject().put("key", key).put("value", value));
    }

    private void list(HttpServerRequest r, String service) {
        if (service.startsWith("srv-garbledlist-")) {
            r.response().setStatusCode(200).putHeader("Content-Type", "application/json").end("<html>oops");
            return;
        }
        Instant after = Instant.parse(r.getParam("createdAfter"));
        JsonArray items = new JsonArray();
        deploys.values().stream().filter(d -> d.getString("service").equals(service))
                .filter(d -> !Instant.parse(d.getString("createdAt")).isBefore(after))
                .filter(FakeRender::listedNow)
                .forEach(d -> items.add(new JsonObject().put("deploy", view(d, "queued")).put("cursor", d.getString("id"))));
        r.response().putHeader("Content-Type", "application/json").end(items.encode());
    }

    /** Whether a list shows the deploy yet: a lagging one is left out of the first few. */
    private static boolean listedNow(JsonObject d) {
        int unlisted = d.getInteger("unlisted", 0);
        d.put("unlisted", unlisted - 1);
        return unlisted <= 0;
    }

    private void status(HttpServerRequest r, String id) {
        JsonObject d = deploys.get(id);
        int k = d.getInteger("calls");
        d.put("calls", k + 1);
        String service = d.getString("service");
        if (service.startsWith("srv-garbled-") || service.startsWith("srv-hiccup-") && k == 1) {
            // A proxy's page instead of Render's JSON: always, or once.
            r.response().setStatusCode(200).putHeader("Content-Type", "application/json").end("<html>oops");
            return;
        }
        boolean failed = service.startsWith("srv-failed-");
        boolean slow = service.startsWith("srv-slow-");
        String status = d.getBoolean("canceled") ? "canceled" : k == 0 ? "queued" : k == 1 || slow
                ? "build_in_progress" : failed ? "build_failed" : k == 2 ? "update_in_progress" : "live";
        JsonObject view = view(d, status);
        if ("live".equals(status) || "build_failed".equals(status)) {
            view.put("finishedAt", Instant.now().toString());
        }
        json(r, 200, view);
    }

    private void logs(HttpServerRequest r, String service) {
        Instant start = Instant.parse(r.getParam("startTime"));
        JsonArray logs = new JsonArray();
        deploys.values().stream().filter(d -> d.getString("service").equals(service)).forEach(d -> {
            Instant t = Instant.parse(d.getString("createdAt"));
            List<String> lines = d.getString("service").startsWith("srv-failed-")
                    ? List.of("==> Running build command 'npm run build'", "==> Build failed: exit status 1")
                    : List.of("==> Running build command 'npm run build'", "compiled 12 modules",
                            "==> Build successful", "==> Deploying...");
            int visible = Math.min(lines.size(), 2 * d.getInteger("calls"));
            for (int i = 0; i < visible; i++) {
                // Two lines share each second, so the cursor has to tell them apart.
                Instant at = t.plusSeconds(1 + i / 2);
                if (!at.isBefore(start)) {
                    logs.add(new JsonObject().put("id", d.getString("id") + "-" + i).put("message", lines.get(i))
                            .put("timestamp", at.toString()).put("labels", new JsonArray()
                                    .add(new JsonObject().put("name", "type").put("value", "build"))));
                }
            }
        });
        json(r, 200, new JsonObject().put("hasMore", false).put("logs", logs));
    }

    private static JsonObject view(JsonObject d, String status) {
        return new JsonObject().put("id", d.getString("id")).put("status", status).put("trigger", "api")
                .put("createdAt", d.getString("createdAt")).put("updatedAt", Instant.now().toString())
                .put("commit", new JsonObject().put("id", d.getString("commitId")));
    }

    private static void json(HttpServerRequest r, int status, JsonObject body) {
        r.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }
}
