package dev.slipway.provider.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;

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

    public SimulatorProvider(Pool pool) {
        this.pool = pool;
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
        // Keyed by Slipway's deployment, so a trigger repeated after a crash finds the first one again.
        return pool.preparedQuery("""
                insert into simulator_deployment (id, slipway_deployment, build_millis, outcome, log_lines)
                values ($1, $2, $3, $4, $5)
                on conflict (slipway_deployment) do update set id = simulator_deployment.id
                returning id""")
                .execute(Tuple.of(id, trigger.deploymentId(), target.buildMillis(), target.outcome(),
                        target.logLines()))
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
                select build_millis, outcome, log_lines, created_at,
                       extract(epoch from (coalesce(canceled_at, now()) - created_at)) * 1000 as elapsed,
                       canceled_at is not null as canceled
                from simulator_deployment where id = $1""")
                .execute(Tuple.of(ref.providerDeploymentId()))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw ProviderException.terminal("The simulator has no deployment "
                                + ref.providerDeploymentId());
                    }
                    return Build.of(rows.iterator().next());
                });
    }

    /** One simulated build as of the database's now. */
    record Build(int buildMillis, String outcome, int logLines, Instant createdAt, double elapsed,
            boolean canceled) {

        static Build of(Row row) {
            return new Build(row.getInteger("build_millis"), row.getString("outcome"), row.getInteger("log_lines"),
                    row.getOffsetDateTime("created_at").toInstant(), row.getDouble("elapsed"),
                    row.getBoolean("canceled"));
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
                return logLines;
            }
            double buildProgress = (elapsed / buildMillis - 0.1) / 0.7;
            return (int) Math.max(0, Math.min(logLines, Math.floor(buildProgress * logLines)));
        }

        LogChunk linesAfter(int from, int max) {
            int to = Math.min(due(), from + max);
            List<LogLine> lines = new ArrayList<>(Math.max(0, to - from));
            for (int i = from + 1; i <= to; i++) {
                lines.add(line(i));
            }
            return new LogChunk(lines, Integer.toString(Math.max(from, to)), to < due());
        }

        private LogLine line(int i) {
            long offset = (long) (buildMillis * (0.1 + 0.7 * i / Math.max(1, logLines)));
            Instant at = createdAt.plusMillis(offset);
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
