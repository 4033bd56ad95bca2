package dev.slipway.provider.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.slipway.crypto.Encryption;
import dev.slipway.crypto.SecretContext;
import dev.slipway.deployment.DeploymentStatus;
import dev.slipway.platform.Problem;
import dev.slipway.provider.DeploymentProvider;
import dev.slipway.provider.ProviderException;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A provider that builds nothing, offline, yet behaves like a real one: it keeps its own record of each
 * deployment in the database, so any replica can ask how a build is doing, and derives state and log lines
 * from the database clock. The first tenth of the build time is STARTING, then BUILDING (when the log lines
 * appear, spread evenly) until 80 %, then DEPLOYING, then the configured outcome.
 */
@ApplicationScoped
public class SimulatorProvider implements DeploymentProvider {

    /** Most lines one {@link #logsSince} call returns; the tracker asks again at once when more are due. */
    static final int CHUNK = 5000;

    private final Pool pool;
    private final Encryption encryption;
    private final ObjectMapper json;

    public SimulatorProvider(Pool pool, Encryption encryption, ObjectMapper json) {
        this.pool = pool;
        this.encryption = encryption;
        this.json = json;
    }

    @Override
    public boolean needsCredential() {
        return false;
    }

    @Override
    public String name() {
        return "simulator";
    }

    @Override
    public List<Problem.FieldError> validateTarget(JsonNode target) {
        return SimulatorTarget.validate(target);
    }

    @Override
    public Optional<Duration> pollInterval() {
        return Optional.of(Duration.ofMillis(250));
    }

    @Override
    public Uni<String> trigger(Trigger trigger) {
        SimulatorTarget target = SimulatorTarget.of(trigger.target());
        String id = "sim-" + trigger.deploymentId();
        // Like a real provider, the simulator keeps the variables it was given; at rest they stay encrypted.
        String env = target.echoEnv() ? encryption.seal(writeEnv(trigger.env()), envContext(trigger.deploymentId()))
                : null;
        // Keyed by Slipway's deployment, so a trigger repeated after a crash finds the first one again; the
        // repeat is counted in the same statement, so tests can see it at no extra round trip.
        return pool.preparedQuery("""
                insert into simulator_deployment (id, slipway_deployment, build_millis, outcome, log_lines, env)
                values ($1, $2, $3, $4, $5, $6)
                on conflict (slipway_deployment) do update set triggers = simulator_deployment.triggers + 1
                returning id""")
                .execute(Tuple.tuple(java.util.Arrays.asList(id, trigger.deploymentId(), target.buildMillis(),
                        target.outcome(), target.logLines(), env)))
                .map(rows -> rows.iterator().next().getString("id"));
    }

    @Override
    public boolean canFindByTag() {
        return true;
    }

    @Override
    public Uni<Optional<String>> findByTag(Ref ref) {
        return pool.preparedQuery("select id from simulator_deployment where slipway_deployment = $1")
                .execute(Tuple.of(ref.deploymentId()))
                .map(rows -> rows.size() == 0 ? Optional.empty()
                        : Optional.of(rows.iterator().next().getString("id")));
    }

    @Override
    public Uni<Status> status(Ref ref) {
        return load(ref).map(build -> build.status(ref.publicId()));
    }

    @Override
    public Uni<LogChunk> logsSince(Ref ref, String cursor) {
        int from = cursor == null ? 0 : Integer.parseInt(cursor);
        return load(ref).map(build -> build.linesAfter(from, CHUNK));
    }

    /** Both from one read of the simulated build, so one query per poll. */
    @Override
    public Uni<Observation> observe(Ref ref, String cursor) {
        int from = cursor == null ? 0 : Integer.parseInt(cursor);
        return load(ref).map(build -> new Observation(build.status(ref.publicId()), build.linesAfter(from, CHUNK)));
    }

    @Override
    public Uni<Void> cancel(Ref ref) {
        return pool.preparedQuery("""
                update simulator_deployment set canceled_at = now()
                where id = $1 and canceled_at is null
                  and now() < created_at + build_millis * interval '1 millisecond'""")
                .execute(Tuple.of(ref.providerDeploymentId())).replaceWithVoid();
    }

    private Uni<Build> load(Ref ref) {
        return pool.preparedQuery("""
                select build_millis, outcome, log_lines, created_at, env,
                       extract(epoch from (coalesce(canceled_at, now()) - created_at)) * 1000 as elapsed,
                       canceled_at is not null as canceled
                from simulator_deployment where id = $1""")
                .execute(Tuple.of(ref.providerDeploymentId()))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw ProviderException.terminal("The simulator has no deployment "
                                + ref.providerDeploymentId());
                    }
                    Row row = rows.iterator().next();
                    String env = row.getString("env");
                    List<String> envLines = env == null ? List.of()
                            : readEnv(encryption.open(env, envContext(ref.deploymentId())));
                    return Build.of(row, envLines);
                });
    }

    /** The associated data of a simulated deployment's variables. */
    public static SecretContext envContext(long deploymentId) {
        return new SecretContext("simulator_deployment", Long.toString(deploymentId), "env");
    }

    private String writeEnv(Map<String, String> env) {
        try {
            return json.writeValueAsString(new TreeMap<>(env));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<String> readEnv(String text) {
        try {
            Map<String, String> env = json.readValue(text, new TypeReference<TreeMap<String, String>>() { });
            return env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
        } catch (JsonProcessingException e) {
            throw ProviderException.terminal("The simulator's stored variables are unreadable");
        }
    }

    /**
     * One simulated build as of the database's now. Its log is the echoed variables ({@code envLines}, when
     * asked for), then {@code logLines} build lines.
     */
    record Build(int buildMillis, String outcome, int logLines, Instant createdAt, double elapsed,
            boolean canceled, List<String> envLines) {

        static Build of(Row row, List<String> envLines) {
            return new Build(row.getInteger("build_millis"), row.getString("outcome"), row.getInteger("log_lines"),
                    row.getOffsetDateTime("created_at").toInstant(), row.getDouble("elapsed"),
                    row.getBoolean("canceled"), envLines);
        }

        int total() {
            return envLines.size() + logLines;
        }

        Status status(String publicId) {
            double progress = buildMillis == 0 ? 1 : elapsed / buildMillis;
            if (canceled && progress < 1) {
                return new Status(DeploymentStatus.CANCELED, null, "canceled at the simulator");
            }
            if (progress < 0.1) {
                return new Status(DeploymentStatus.STARTING, null, null);
            }
            if (progress < 0.8) {
                return new Status(DeploymentStatus.BUILDING, null, null);
            }
            if (progress < 1) {
                return new Status(DeploymentStatus.DEPLOYING, null, null);
            }
            if ("failed".equals(outcome)) {
                return new Status(DeploymentStatus.FAILED, null, "The simulated build failed (exit code 1)");
            }
            return new Status(DeploymentStatus.READY, "https://" + publicId + ".simulator.slipway.test", null);
        }

        /** How many lines are due by now: they appear evenly between 10 % and 80 % of the build time. */
        int due() {
            if (buildMillis == 0) {
                return total();
            }
            double buildProgress = (elapsed / buildMillis - 0.1) / 0.7;
            return (int) Math.max(0, Math.min(total(), Math.floor(buildProgress * total())));
        }

        LogChunk linesAfter(int from, int max) {
            int to = Math.min(due(), from + max);
            List<LogLine> lines = new ArrayList<>(Math.max(0, to - from));
            for (int i = from + 1; i <= to; i++) {
                lines.add(line(i));
            }
            return new LogChunk(lines, Integer.toString(Math.max(from, to)), to < due());
        }

        private LogLine line(int n) {
            long offset = (long) (buildMillis * (0.1 + 0.7 * n / Math.max(1, total())));
            Instant at = createdAt.plusMillis(offset);
            if (n <= envLines.size()) {
                return new LogLine(at, "stdout", envLines.get(n - 1));
            }
            int i = n - envLines.size();
            if (i == 1) {
                return new LogLine(at, "stdout", "Cloning the repository and installing dependencies");
            }
            if (i == logLines && "failed".equals(outcome)) {
                return new LogLine(at, "stderr", "Error: simulated build step failed with exit code 1");
            }
            if (i == logLines) {
                return new LogLine(at, "stdout", "Build completed: " + logLines + " steps");
            }
            return new LogLine(at, "stdout", "[" + i + "/" + logLines + "] compiling src/module-" + (i % 97)
                    + ".js (" + (i * 7919 % 512) + " kB)");
        }
    }
}
