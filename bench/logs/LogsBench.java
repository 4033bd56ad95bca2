import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Live log fan-out benchmark: one deployment of LINES simulator lines watched by CLIENTS WebSocket viewers,
 * first through Slipway, then through a minimal Vert.x server that holds the same lines in memory from the start
 * and only broadcasts them: the ceiling fan-out alone allows on this machine. Run by bench/logs/run.sh; see
 * bench/README.md.
 *
 * <p>Clocks: every time is the wall clock of this one machine in microseconds. For Slipway a line's
 * ingestion time is when this process heard the NOTIFY of the statement that stored it (the same moment
 * Slipway's own listener hears it); for the baseline it is when the server appended it.
 */
public final class LogsBench {

    static final int LINES = Integer.getInteger("lines", 100_000);
    static final int CLIENTS = Integer.getInteger("clients", 1000);
    static final String KEY = "slw_bench_admin_key_0123456789abcdef";

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("baseline-server")) {
            Baseline.serve(Integer.parseInt(args[1]));
            return;
        }
        Path jar = Path.of(args.length > 0 ? args[0] : "target/quarkus-app/quarkus-run.jar").toAbsolutePath();
        Path work = Files.createTempDirectory("slipway-bench");
        EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(work.resolve("pg"))
                .setCleanDataDirectory(true).setServerConfig("max_connections", "100").start();
        Vertx vertx = Vertx.vertx();
        Result slipway;
        Result baseline;
        try {
            slipway = runSlipway(vertx, jar, work, pg.getPort());
            print("slipway ", slipway);
            baseline = runBaseline(vertx, work);
            print("baseline", baseline);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            pg.close();
        }
        // After the shutdown, whose log lines (the embedded PostgreSQL's) would otherwise come after it.
        System.out.printf("ratio (slipway / baseline, delivered msgs/s): %.2f%n",
                slipway.deliveredPerSecond() / baseline.deliveredPerSecond());
    }

    /** What one run measured. */
    record Result(double storedPerSecond, double deliveredPerSecond, double p50Millis, double p99Millis,
            long delivered, int clients, Map<Short, Integer> closes) {
    }

    static void print(String name, Result r) {
        System.out.printf("%s  lines stored/s: %,10.0f  msgs delivered/s: %,12.0f  latency p50: %8.1f ms"
                + "  p99: %8.1f ms  (%d clients, %,d msgs, closes %s)%n", name, r.storedPerSecond(),
                r.deliveredPerSecond(), r.p50Millis(), r.p99Millis(), r.clients(), r.delivered(), r.closes());
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    // ------------------------------------------------------------------------------------------------ Slipway

    static Result runSlipway(Vertx vertx, Path jar, Path work, int pgPort) throws Exception {
        int port = freePort();
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx1g", "-jar", jar.toString()).directory(work.toFile())
                .redirectErrorStream(true).redirectOutput(work.resolve("slipway.log").toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("QUARKUS_DATASOURCE_") || k.startsWith("SLIPWAY_"));
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", "postgresql://localhost:" + pgPort + "/postgres");
        env.put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://localhost:" + pgPort + "/postgres");
        env.put("QUARKUS_DATASOURCE_USERNAME", "postgres");
        env.put("SLIPWAY_ADMIN_TOKEN", KEY);
        byte[] keyring = new byte[32];
        new SecureRandom().nextBytes(keyring);
        env.put("SLIPWAY_ENCRYPTION_KEYS", "bench:" + Base64.getEncoder().encodeToString(keyring));
        // One deployment at a time, so a long "hold" deployment keeps the measured one queued while viewers join.
        env.put("SLIPWAY_QUEUE_MAX_ACTIVE", "1");
        // Room for the whole log: the marker line would otherwise replace line 100,000, and 1,000 viewers on
        // two cores fall far behind ingestion (see bench/README.md).
        env.put("SLIPWAY_LOGS_MAX_LINES", Integer.toString(LINES + 1));
        env.put("SLIPWAY_LOGS_SEND_BUFFER", Integer.toString(LINES));
        Process process = builder.start();
        try {
            Api api = new Api("http://localhost:" + port);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!api.ready()) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("Slipway did not start; see " + work.resolve("slipway.log"));
                }
                Thread.sleep(250);
            }
            api.post("/api/v1/projects", "{\"name\":\"hold\",\"provider\":\"simulator\","
                    + "\"target\":{\"buildSeconds\":3600,\"logLines\":0}}");
            api.post("/api/v1/projects", "{\"name\":\"bench\",\"provider\":\"simulator\","
                    + "\"target\":{\"buildSeconds\":1,\"logLines\":" + LINES + "}}");
            String hold = api.deploy("hold");
            String bench = api.deploy("bench");
            long benchId = Long.parseLong(bench.substring(2));

            Ingestion ingestion = new Ingestion(benchId);
            PgSubscriber subscriber = PgSubscriber.subscriber(vertx, new PgConnectOptions().setHost("localhost")
                    .setPort(pgPort).setUser("postgres").setDatabase("postgres"));
            subscriber.channel("slipway_events").handler(ingestion::onNotify);
            subscriber.connect().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

            Viewers viewers = new Viewers(vertx, port, "/ws/deployments/" + bench + "/logs", KEY, ingestion);
            viewers.connectAll();
            api.post("/api/v1/deployments/" + hold + "/cancel", "");
            viewers.awaitClosed(600);
            subscriber.close();
            return viewers.result(ingestion.start.get(), ingestion.last.get());
        } finally {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** When each seq was committed, from the NOTIFY of the statement that stored it. */
    static final class Ingestion implements Clock {
        final long deploymentId;
        final AtomicLongArray committed = new AtomicLongArray(LINES + 2);
        final AtomicLong start = new AtomicLong();
        final AtomicLong last = new AtomicLong();
        long seen;

        Ingestion(long deploymentId) {
            this.deploymentId = deploymentId;
        }

        void onNotify(String payload) {
            long now = nowMicros();
            String[] parts = payload.split(":");
            if (Long.parseLong(parts[0]) != deploymentId) {
                return;
            }
            if (parts[2].equals("STARTING")) {
                start.compareAndSet(0, now);
            }
            long upTo = Math.min(LINES, Long.parseLong(parts[1]));
            for (long s = seen + 1; s <= upTo; s++) {
                committed.set((int) s, now);
            }
            if (upTo > seen) {
                seen = upTo;
                last.set(now);
            }
        }

        @Override
        public long ingestedAt(long seq, Buffer message) {
            return committed.get((int) Math.min(seq, LINES));
        }
    }

    // ----------------------------------------------------------------------------------------------- baseline

    static Result runBaseline(Vertx vertx, Path work) throws Exception {
        int port = freePort();
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("java.class.path");
        Process process = new ProcessBuilder(java, "-Xmx1g", "-Dlines=" + LINES, "-cp", classpath,
                LogsBench.class.getName(), "baseline-server", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(work.resolve("baseline.log").toFile()).start();
        try {
            Api api = new Api("http://localhost:" + port);
            while (!api.ready()) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the baseline server exited");
                }
                Thread.sleep(100);
            }
            // The last line's append time, as its first viewer read it, ends the baseline's ingestion.
            AtomicLong lastAppended = new AtomicLong();
            Clock clock = (seq, message) -> {
                long t = parseLong(message, "\"t\":");
                if (seq == LINES) {
                    lastAppended.compareAndSet(0, t);
                }
                return t;
            };
            Viewers viewers = new Viewers(vertx, port, "/logs", KEY, clock);
            viewers.connectAll();
            long start = nowMicros();
            api.post("/start", "");
            viewers.awaitClosed(600);
            return viewers.result(start, lastAppended.get());
        } finally {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /**
     * The limit: a Vert.x WebSocket server that has every line in memory when the run starts and sends each viewer
     * what it has not had yet, as fast as that viewer's socket takes it: it writes until the socket's buffer is
     * full and goes on when it drains. Nothing else: no database, no JSON encoding, no Mutiny.
     */
    static final class Baseline {
        static void serve(int port) throws Exception {
            Vertx vertx = Vertx.vertx();
            String[] lines = new String[LINES + 1];
            AtomicInteger appended = new AtomicInteger();
            List<Viewer> viewers = new ArrayList<>();
            HttpServer server = vertx.createHttpServer();
            server.webSocketHandler(ws -> {
                Viewer v = new Viewer(ws, Vertx.currentContext(), lines, appended);
                synchronized (viewers) {
                    viewers.add(v);
                }
            });
            server.requestHandler(request -> {
                if (request.path().equals("/start")) {
                    append(lines, appended, viewers);
                    // Each viewer goes on when its socket drains; this nudge makes sure none waits on a drain event
                    // that never comes, which would make the ceiling look lower than it is. A viewer whose socket
                    // is still full, or that has everything, ignores it.
                    vertx.setPeriodic(100, id -> {
                        synchronized (viewers) {
                            viewers.forEach(Viewer::wake);
                        }
                    });
                }
                request.response().end();
            });
            server.listen(port).toCompletionStage().toCompletableFuture().get();
            new CountDownLatch(1).await();
        }

        /**
         * Appends every line at once, then wakes every viewer: nothing waits for ingestion, and each socket is as
         * far behind as it can be, so Netty writes as many frames per system call as the socket takes. That is
         * the most a broadcaster on this machine delivers, whatever feeds it.
         */
        static void append(String[] lines, AtomicInteger appended, List<Viewer> viewers) {
            for (int i = 1; i <= LINES; i++) {
                lines[i] = "{\"type\":\"log\",\"seq\":" + i + ",\"t\":" + nowMicros() + ",\"at\":\""
                        + Instant.now() + "\",\"stream\":\"stdout\",\"message\":\"[" + i + "/" + LINES
                        + "] compiling src/module-" + (i % 97) + ".js (" + (i * 7919 % 512) + " kB)\"}";
            }
            appended.set(LINES);
            synchronized (viewers) {
                viewers.forEach(Viewer::wake);
            }
        }

        /** One connection's cursor; runs on its own event loop. */
        static final class Viewer {
            final ServerWebSocket ws;
            final Context context;
            final String[] lines;
            final AtomicInteger appended;
            int sent;
            boolean ended;

            Viewer(ServerWebSocket ws, Context context, String[] lines, AtomicInteger appended) {
                this.ws = ws;
                this.context = context;
                this.lines = lines;
                this.appended = appended;
                ws.drainHandler(v -> pump());
            }

            void wake() {
                context.runOnContext(v -> pump());
            }

            void pump() {
                if (ended) {
                    return;
                }
                int upTo = appended.get();
                while (sent < upTo && !ws.writeQueueFull()) {
                    ws.writeTextMessage(lines[++sent]);
                }
                if (sent == LINES && !ended) {
                    ended = true;
                    ws.writeTextMessage("{\"type\":\"end\",\"status\":\"READY\"}");
                    ws.close();
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ viewers

    /** Where a seq's ingestion time comes from. */
    interface Clock {
        long ingestedAt(long seq, Buffer message);
    }

    /** CLIENTS WebSocket viewers that count messages and record their latency. */
    static final class Viewers {
        final Vertx vertx;
        final int port;
        final String uri;
        final String key;
        final Clock clock;
        final WebSocketClient client;
        final CountDownLatch closed = new CountDownLatch(CLIENTS);
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong lastDelivery = new AtomicLong();
        final Histogram latency = new Histogram();
        final Map<Short, AtomicInteger> closes = new java.util.concurrent.ConcurrentHashMap<>();

        Viewers(Vertx vertx, int port, String uri, String key, Clock clock) {
            this.vertx = vertx;
            this.port = port;
            this.uri = uri;
            this.key = key;
            this.clock = clock;
            this.client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(CLIENTS + 10)
                    .setConnectTimeout(60_000));
        }

        void connectAll() throws Exception {
            CountDownLatch connected = new CountDownLatch(CLIENTS);
            AtomicInteger failed = new AtomicInteger();
            for (int i = 0; i < CLIENTS; i++) {
                WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("localhost").setPort(port)
                        .setURI(uri).addHeader("Authorization", "Bearer " + key);
                client.connect(options).onComplete(ar -> {
                    if (ar.failed()) {
                        failed.incrementAndGet();
                        closed.countDown();
                    } else {
                        var ws = ar.result();
                        ws.handler(this::onMessage);
                        ws.closeHandler(v -> {
                            closes.computeIfAbsent(ws.closeStatusCode(), c -> new AtomicInteger()).incrementAndGet();
                            closed.countDown();
                        });
                    }
                    connected.countDown();
                });
            }
            connected.await(120, TimeUnit.SECONDS);
            if (failed.get() > 0) {
                System.out.println(failed.get() + " viewers could not connect");
            }
        }

        void onMessage(Buffer message) {
            long seq = parseLong(message, "\"seq\":");
            if (seq < 0) {
                return;
            }
            long now = nowMicros();
            long at = clock.ingestedAt(seq, message);
            latency.record(at == 0 ? 0 : Math.max(0, now - at));
            delivered.incrementAndGet();
            lastDelivery.accumulateAndGet(now, Math::max);
        }

        void awaitClosed(int seconds) throws InterruptedException {
            if (!closed.await(seconds, TimeUnit.SECONDS)) {
                System.out.println("viewers still open after " + seconds + " s: " + closed.getCount());
            }
        }

        Result result(long startMicros, long lastIngestMicros) {
            double ingestSeconds = Math.max(1e-6, (lastIngestMicros - startMicros) / 1e6);
            double deliverSeconds = Math.max(1e-6, (lastDelivery.get() - startMicros) / 1e6);
            Map<Short, Integer> codes = new java.util.TreeMap<>();
            closes.forEach((k, v) -> codes.put(k, v.get()));
            return new Result(LINES / ingestSeconds, delivered.get() / deliverSeconds,
                    latency.percentile(0.50) / 1000.0, latency.percentile(0.99) / 1000.0, delivered.get(), CLIENTS,
                    codes);
        }
    }

    /** Latency counts in 100 µs buckets up to two minutes; enough for p50 and p99 of 10^8 samples. */
    static final class Histogram {
        static final int BUCKET_MICROS = 100;
        final AtomicLongArray counts = new AtomicLongArray(1_200_001);

        void record(long micros) {
            counts.incrementAndGet((int) Math.min(counts.length() - 1, micros / BUCKET_MICROS));
        }

        double percentile(double p) {
            long total = 0;
            for (int i = 0; i < counts.length(); i++) {
                total += counts.get(i);
            }
            long rank = (long) Math.ceil(total * p);
            long seen = 0;
            for (int i = 0; i < counts.length(); i++) {
                seen += counts.get(i);
                if (seen >= rank && rank > 0) {
                    return (i + 0.5) * BUCKET_MICROS;
                }
            }
            return 0;
        }
    }

    /** The number after {@code field} in a JSON message, without parsing the rest; -1 when absent. */
    static long parseLong(Buffer message, String field) {
        int n = message.length();
        int f = field.length();
        outer:
        for (int i = 0; i + f < n && i < 64; i++) {
            for (int j = 0; j < f; j++) {
                if (message.getByte(i + j) != field.charAt(j)) {
                    continue outer;
                }
            }
            long value = 0;
            for (int k = i + f; k < n; k++) {
                byte b = message.getByte(k);
                if (b < '0' || b > '9') {
                    break;
                }
                value = value * 10 + (b - '0');
            }
            return value;
        }
        return -1;
    }

    /** The few API calls the benchmark makes. */
    static final class Api {
        final String base;
        final HttpClient http = HttpClient.newHttpClient();

        Api(String base) {
            this.base = base;
        }

        boolean ready() {
            try {
                return http.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (IOException | InterruptedException e) {
                return false;
            }
        }

        String post(String path, String json) throws Exception {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + path))
                    .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                    .POST(json.isEmpty() ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(json))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(path + " answered " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        }

        String deploy(String project) throws Exception {
            String body = post("/api/v1/deployments", "{\"project\":\"" + project + "\",\"supersede\":false}");
            int i = body.indexOf("\"id\":\"") + 6;
            return body.substring(i, body.indexOf('"', i));
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
