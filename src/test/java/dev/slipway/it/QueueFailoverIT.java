package dev.slipway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Two replicas on one PostgreSQL, as in Kubernetes: limits hold across them, and when one dies (SIGKILL) or
 * stops (SIGTERM) the other finishes its deployments without triggering any of them twice.
 */
class QueueFailoverIT {

    private static final int GLOBAL_LIMIT = 12;

    @TempDir
    Path workDir;

    private EmbeddedPostgres postgres;
    private final List<SlipwayProcess> replicas = new ArrayList<>();

    @BeforeEach
    void startDatabase() throws Exception {
        postgres = EmbeddedPostgres.builder().setDataDirectory(workDir.resolve("pg")).setCleanDataDirectory(true)
                .setServerConfig("max_connections", "200").start();
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (SlipwayProcess replica : replicas) {
            replica.kill();
        }
        postgres.close();
    }

    @Test
    void killedReplicasDeploymentsFinishOnTheOtherWithLimitsHeld() throws Exception {
        // The global limit is the one that binds here; the simulator's own limit binds in the RabbitMQ run.
        killOneReplicaMidway(Map.of(), 10, 16);
    }

    @Test
    void overRabbitMqKilledReplicasDeploymentsFinishOnTheOtherWithLimitsHeld() throws Exception {
        // Requests the killed replica took from the broker and had not acked go back to the queue for the other.
        killOneReplicaMidway(brokerOrSkip(), 12, 9);
    }

    /**
     * Two replicas, 200 simulator deployments over 20 projects (two environments each); one replica is killed
     * with SIGKILL once 50 are done. Every deployment must end READY within a minute of the kill, each triggered
     * exactly once, with the limits held across both replicas and the binding one reached.
     */
    private void killOneReplicaMidway(Map<String, String> extra, int globalLimit, int simulatorLimit)
            throws Exception {
        Map<String, String> env = new HashMap<>(extra);
        env.put("SLIPWAY_QUEUE_MAX_ACTIVE", Integer.toString(globalLimit));
        env.put("SLIPWAY_PROVIDERS_SIMULATOR_MAX_ACTIVE", Integer.toString(simulatorLimit));
        SlipwayProcess a = replica("a", env);
        SlipwayProcess b = replica("b", env);
        for (int p = 0; p < 20; p++) {
            a.admin().body(Map.of("name", "app-" + p, "provider", "simulator",
                    "target", Map.of("buildSeconds", 1 + p % 3, "logLines", 10))).post("/api/v1/projects")
                    .then().statusCode(201);
        }
        for (int i = 0; i < 200; i++) {
            SlipwayProcess via = i % 2 == 0 ? a : b;
            via.admin().body(Map.of("project", "app-" + (i % 20), "supersede", false,
                    "environment", i % 40 < 20 ? "production" : "preview"))
                    .post("/api/v1/deployments").then().statusCode(202);
        }

        LimitSampler sampler = new LimitSampler();
        sampler.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> count("status = 'READY'") >= 50);
            a.kill();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> count("status in ('QUEUED', 'STARTING', 'BUILDING', 'DEPLOYING')") == 0);
        } finally {
            sampler.stop();
        }

        assertThat(count("status = 'READY'")).as("every deployment succeeded").isEqualTo(200);
        assertThat(count("attempts > 1")).as("deployments taken over from the killed replica").isPositive();
        assertThat(sampler.samples.get()).isGreaterThan(10);
        assertThat(sampler.maxActive.get()).as("active in all").isLessThanOrEqualTo(globalLimit);
        assertThat(sampler.maxSimulator.get()).as("active at the simulator").isLessThanOrEqualTo(simulatorLimit);
        // With 200 queued, the lower limit must have been reached, or the samples prove nothing about it.
        assertThat(sampler.maxActive.get()).as("the binding limit reached").isEqualTo(
                Math.min(globalLimit, simulatorLimit));
        assertThat(sampler.maxPerProjectEnvironment.get()).isEqualTo(1);
        assertEveryDeploymentTriggeredOnce(a.output() + b.output(), 200);
        // Every log complete, in order and without repeats, also where another replica took over.
        assertThat(count("log_seq <> 10")).isZero();
        assertThat(query("select count(*) from (select deployment_id from deployment_log group by deployment_id "
                + "having count(*) <> 10 or min(seq) <> 1 or max(seq) <> 10) bad")).isZero();
    }

    @Test
    void stoppedReplicasDeploymentsAreResumedByTheOtherWithinSeconds() throws Exception {
        SlipwayProcess a = replica("a", Map.of());
        // B claims nothing new, so every deployment starts on A; B can still take deployments over.
        SlipwayProcess b = replica("b", Map.of("SLIPWAY_QUEUE_MAX_ACTIVE", "0", "SLIPWAY_QUEUE_RECOVERY_INTERVAL",
                "60s"));
        for (int p = 0; p < 5; p++) {
            a.admin().body(Map.of("name", "slow-" + p, "provider", "simulator",
                    "target", Map.of("buildSeconds", 8, "logLines", 20))).post("/api/v1/projects")
                    .then().statusCode(201);
            a.admin().body(Map.of("project", "slow-" + p)).post("/api/v1/deployments").then().statusCode(202);
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> count("status = 'BUILDING'") == 5);
        String ownerA = queryText("select min(lease_owner) from deployment where status = 'BUILDING'");

        long sigterm = System.nanoTime();
        assertThat(a.stop()).as("A, holding 5 leases, exits within 10 s of SIGTERM")
                .isLessThan(Duration.ofSeconds(10));
        // Resumed within 5 s of the SIGTERM, not of A's exit. B's recovery pass is a minute away: only A's
        // hand-back notice can make B act this fast.
        Duration left = Duration.ofSeconds(5).minusNanos(System.nanoTime() - sigterm);
        assertThat(left).as("time left of the 5 s once A has exited").isPositive();
        await().atMost(left).pollInterval(Duration.ofMillis(100))
                .until(() -> count("status in ('BUILDING', 'DEPLOYING') and lease_owner is not null "
                        + "and lease_owner <> '" + ownerA + "'") == 5);

        await().atMost(Duration.ofSeconds(30)).until(() -> count("status = 'READY'") == 5);
        assertThat(count("attempts <> 1")).as("a hand-back is not a failed attempt").isZero();
        assertEveryDeploymentTriggeredOnce(a.output() + b.output(), 5);
        assertThat(b.output()).contains("taken over");
    }

    @Test
    void overRabbitMqARequestAcceptedByOneReplicaWakesTheOther() throws Exception {
        // Recovery passes are a minute apart: only the broker's messages can wake replica B.
        Map<String, String> broker = new HashMap<>(brokerOrSkip());
        broker.put("SLIPWAY_QUEUE_RECOVERY_INTERVAL", "60s");
        SlipwayProcess a = replica("a", broker);
        SlipwayProcess b = replica("b", broker);
        assertThat(b.output()).contains("RabbitMQ Receiver listening address slipway.deployment-requests");
        for (int p = 0; p < 10; p++) {
            a.admin().body(Map.of("name", "mq-" + p, "provider", "simulator",
                    "target", Map.of("buildSeconds", 0, "logLines", 2))).post("/api/v1/projects")
                    .then().statusCode(201);
        }
        for (int i = 0; i < 40; i++) {
            a.admin().body(Map.of("project", "mq-" + (i % 10), "supersede", false, "priority",
                    i % 4 == 0 ? "urgent" : "normal")).post("/api/v1/deployments").then().statusCode(202);
        }
        await().atMost(Duration.ofSeconds(40)).until(() -> count("status = 'READY'") == 40);
        assertThat(b.output()).as("replica B claimed deployments accepted by A").contains(": claimed (attempt 1)");
    }

    @Test
    void overRabbitMqTheConsumersPrefetchIsTheCapacityLeft() throws Exception {
        Map<String, String> broker = new HashMap<>(brokerOrSkip());
        broker.put("SLIPWAY_QUEUE_MAX_ACTIVE", "4");
        SlipwayProcess a = replica("prefetch", broker);
        for (int p = 0; p < 3; p++) {
            a.admin().body(Map.of("name", "pf-" + p, "provider", "simulator",
                    "target", Map.of("buildSeconds", 300, "logLines", 1))).post("/api/v1/projects")
                    .then().statusCode(201);
        }
        // Nothing runs yet: the whole limit is free.
        await().atMost(Duration.ofSeconds(15)).until(() -> brokerPrefetchOf("replica-prefetch"), n -> n == 4);

        String first = a.admin().body(Map.of("project", "pf-0")).post("/api/v1/deployments")
                .then().statusCode(202).extract().path("id");
        a.admin().body(Map.of("project", "pf-1")).post("/api/v1/deployments").then().statusCode(202);
        await().atMost(Duration.ofSeconds(15)).until(() -> brokerPrefetchOf("replica-prefetch"), n -> n == 2);

        a.admin().body(Map.of("project", "pf-2")).post("/api/v1/deployments").then().statusCode(202);
        await().atMost(Duration.ofSeconds(15)).until(() -> brokerPrefetchOf("replica-prefetch"), n -> n == 1);

        a.admin().post("/api/v1/deployments/" + first + "/cancel").then().statusCode(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> brokerPrefetchOf("replica-prefetch"), n -> n == 2);
    }

    /**
     * The channel-wide prefetch RabbitMQ holds for the replica's consumer, read from the broker with
     * {@code rabbitmqctl}; skips the test, saying so, where that tool cannot reach the broker.
     */
    private static int brokerPrefetchOf(String hostname) throws Exception {
        // Each replica names its connections "slipway <hostname>/<instance> <channel>".
        Pattern name = Pattern.compile(
                Pattern.quote("slipway " + hostname + "/") + "\\S+ deployment-requests-broker(?!-)");
        String connection = rabbitmqctl("list_connections", "pid", "client_properties").lines()
                .filter(line -> name.matcher(line).find()).map(line -> line.split("\\s+")[0]).findFirst().orElse(null);
        if (connection == null) {
            return -1;
        }
        return rabbitmqctl("list_channels", "connection", "consumer_count", "global_prefetch_count").lines()
                .map(line -> line.split("\\s+"))
                .filter(cols -> cols.length == 3 && cols[0].equals(connection) && cols[1].equals("1"))
                .mapToInt(cols -> Integer.parseInt(cols[2])).findFirst().orElse(-1);
    }

    private static String rabbitmqctl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("rabbitmqctl", "--quiet", "--no-table-headers"));
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            process = null;
        }
        String out = process == null ? "" : new String(process.getInputStream().readAllBytes());
        boolean ok = process != null && process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)
                && process.exitValue() == 0;
        if (!ok) {
            System.out.println("SKIPPED: rabbitmqctl cannot read the broker here, so the prefetch test does not run: "
                    + out.strip());
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(ok, "rabbitmqctl cannot read the broker");
        return out;
    }

    @Test
    void refusesToStartOnAnExternalDatabaseWithoutAKeyring() {
        // Secrets written under a key nobody kept would be lost: without a keyring Slipway must not start.
        Map<String, String> env = Map.of(
                "QUARKUS_DATASOURCE_REACTIVE_URL", "postgresql://localhost:" + postgres.getPort() + "/postgres",
                "QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres",
                "QUARKUS_DATASOURCE_USERNAME", "postgres");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> SlipwayProcess.start(workDir, "no-keyring", env))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("SLIPWAY_ENCRYPTION_KEYS")
                .rootCause().hasMessageContaining("the process exited");
    }

    /** The settings of the {@code rabbitmq} profile; skips the test, saying so, when no broker is reachable. */
    private static Map<String, String> brokerOrSkip() {
        String host = System.getenv().getOrDefault("RABBITMQ_HOST", "127.0.0.1");
        int port = Integer.parseInt(System.getenv().getOrDefault("RABBITMQ_PORT", "5672"));
        boolean reachable = reachable(host, port);
        if (!reachable) {
            System.out.printf("SKIPPED: no RabbitMQ broker on %s:%d, so the broker tests do not run%n", host, port);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(reachable, "no RabbitMQ broker on " + host + ":" + port);
        return Map.of("QUARKUS_PROFILE", "prod,rabbitmq", "RABBITMQ_HOST", host,
                "RABBITMQ_PORT", Integer.toString(port));
    }

    private static boolean reachable(String host, int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(host, port), 1000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private SlipwayProcess replica(String name, Map<String, String> extra) throws Exception {
        Map<String, String> env = new HashMap<>(Map.of(
                "QUARKUS_DATASOURCE_REACTIVE_URL", "postgresql://localhost:" + postgres.getPort() + "/postgres",
                "QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres",
                "QUARKUS_DATASOURCE_USERNAME", "postgres",
                "SLIPWAY_QUEUE_MAX_ACTIVE", Integer.toString(GLOBAL_LIMIT),
                "SLIPWAY_QUEUE_LEASE", "5s",
                "SLIPWAY_QUEUE_RECOVERY_INTERVAL", "1s",
                // An external database needs a configured keyring, the same on every replica.
                "SLIPWAY_ENCRYPTION_KEYS", "failover:" + java.util.Base64.getEncoder().encodeToString(new byte[32]),
                "HOSTNAME", "replica-" + name));
        env.putAll(extra);
        SlipwayProcess replica = SlipwayProcess.start(workDir, name, env);
        replicas.add(replica);
        return replica;
    }

    /**
     * Each deployment was triggered at the simulator exactly once: the simulator counts every trigger it accepts,
     * also a repeat that finds the first simulated build again. The replicas' logs must not contradict that.
     */
    private void assertEveryDeploymentTriggeredOnce(String logs, long deployments) throws SQLException {
        assertThat(query("select count(*) from deployment d join simulator_deployment s "
                + "on s.slipway_deployment = d.id where s.triggers = 1")).as("deployments triggered once")
                .isEqualTo(deployments);
        assertThat(query("select coalesce(sum(triggers), 0) from simulator_deployment")).as("triggers in all")
                .isEqualTo(deployments);
        Matcher m = Pattern.compile("deployment (d-\\d+) on simulator: triggered as").matcher(logs);
        Map<String, Integer> triggers = new HashMap<>();
        while (m.find()) {
            triggers.merge(m.group(1), 1, Integer::sum);
        }
        // A replica killed between a trigger and its log line leaves no line: the logs can only confirm "not twice".
        assertThat(triggers).isNotEmpty();
        assertThat(triggers.values()).allMatch(n -> n == 1);
    }

    private long count(String where) throws SQLException {
        return query("select count(*) from deployment where " + where);
    }

    private long query(String sql) throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getLong(1);
        }
    }

    private String queryText(String sql) throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getString(1);
        }
    }

    /** Samples the active deployments from the database while the test runs; keeps the highest counts. */
    private final class LimitSampler {
        final AtomicInteger maxActive = new AtomicInteger();
        final AtomicInteger maxSimulator = new AtomicInteger();
        final AtomicInteger maxPerProjectEnvironment = new AtomicInteger();
        final AtomicInteger samples = new AtomicInteger();
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private final java.util.concurrent.ScheduledExecutorService timer =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor();

        void start() {
            timer.scheduleAtFixedRate(this::sample, 0, 100, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        private void sample() {
            try {
                maxActive.accumulateAndGet((int) count("status in ('STARTING', 'BUILDING', 'DEPLOYING')"),
                        Math::max);
                maxSimulator.accumulateAndGet((int) count("provider = 'simulator' and status in "
                        + "('STARTING', 'BUILDING', 'DEPLOYING')"), Math::max);
                maxPerProjectEnvironment.accumulateAndGet((int) query("select coalesce(max(n), 0) from "
                        + "(select count(*) as n from deployment where status in ('STARTING', 'BUILDING', "
                        + "'DEPLOYING') group by project_id, environment) x"), Math::max);
                samples.incrementAndGet();
            } catch (SQLException | RuntimeException e) {
                // Thrown on, it would only end the schedule silently; stop() reports it instead.
                failure.compareAndSet(null, e);
                timer.shutdown();
            }
        }

        /** Stops sampling; fails the test if any sample failed, since the maxima would then prove nothing. */
        void stop() throws InterruptedException {
            timer.shutdownNow();
            timer.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
            if (failure.get() != null) {
                throw new AssertionError("sampling the active deployments failed", failure.get());
            }
        }
    }
}
