package dev.slipway.tracking;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import dev.slipway.deployment.DeploymentStatus;
import dev.slipway.logs.LogRedactor;
import dev.slipway.platform.SlipwayConfig;
import dev.slipway.provider.DeploymentProvider;
import dev.slipway.provider.DeploymentProvider.LogLine;
import dev.slipway.provider.ProviderException;
import dev.slipway.provider.ProviderOutages;
import dev.slipway.provider.ProviderRegistry;
import dev.slipway.queue.Claim;
import dev.slipway.queue.QueueStore;
import dev.slipway.queue.QueueStore.Progress;
import dev.slipway.queue.Replica;
import io.quarkus.logging.Log;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;

/**
 * Follows each deployment this replica has claimed to its end: triggers it at the provider, polls its status
 * and logs (a fixed interval for the simulator, exponential backoff with jitter otherwise), and writes every
 * step with the lease epoch so a replica that lost the deployment cannot change it any more.
 */
@ApplicationScoped
public class Tracker {

    private final QueueStore store;
    private final ProviderRegistry providers;
    private final SlipwayConfig config;
    private final Replica replica;
    private final Vertx vertx;
    private final FinishListener finished;
    private final DeploymentSecrets secrets;
    private final EnvPushes envPushes;
    private final ProviderOutages outages;
    private final Map<Long, Tracked> tracked = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    public Tracker(QueueStore store, ProviderRegistry providers, SlipwayConfig config, Replica replica, Vertx vertx,
            FinishListener finished, DeploymentSecrets secrets, EnvPushes envPushes, ProviderOutages outages) {
        this.outages = outages;
        this.secrets = secrets;
        this.envPushes = envPushes;
        this.store = store;
        this.providers = providers;
        this.config = config;
        this.replica = replica;
        this.vertx = vertx;
        this.finished = finished;
    }

    /** Told when a tracked deployment frees its place of the limits, so capacity can be reused. */
    public interface FinishListener {
        /** It reached a terminal state. */
        void finished(Claim claim, DeploymentStatus status);

        /** It went back to the queue without reaching its provider (see {@link QueueStore#release}). */
        void released(Claim claim);
    }

    /** Starts following a freshly claimed or taken-over deployment. */
    public void follow(Claim claim, boolean takenOver) {
        if (stopping) {
            return;
        }
        Tracked t = new Tracked(claim, takenOver);
        if (tracked.putIfAbsent(claim.id(), t) == null) {
            t.next(Duration.ZERO);
        }
    }

    /**
     * Polls a followed deployment now instead of at its next timer (a provider webhook said it changed). Does
     * nothing when this replica does not follow it or a step is already under way.
     */
    public void pollNow(long deploymentId) {
        Tracked t = tracked.get(deploymentId);
        if (t != null) {
            t.wake();
        }
    }

    /** How many deployments this replica follows right now. */
    public int size() {
        return tracked.size();
    }

    /** The claims this replica holds, for the lease heartbeat. */
    public List<Claim> held() {
        return tracked.values().stream().map(t -> t.claim).toList();
    }

    /**
     * Stops following the deployments of a heartbeat whose lease did not hold. Only the claims the heartbeat
     * was sent for are judged: one claimed while it was under way is not in its answer, yet still held.
     */
    public void keepOnly(List<Claim> renewed, List<Long> heldIds) {
        java.util.Set<Long> held = new java.util.HashSet<>(heldIds);
        for (Claim claim : renewed) {
            Tracked t = tracked.get(claim.id());
            if (t != null && t.claim.epoch() == claim.epoch() && !held.contains(claim.id())) {
                Log.infof("deployment %s on %s: lease lost, another replica follows it now", claim.publicId(),
                        claim.provider());
                t.stop();
            }
        }
    }

    /** Stops following everything (shutdown); leases are handed back separately. */
    public void stopAll() {
        stopping = true;
        tracked.values().forEach(Tracked::stop);
    }

    /** One deployment being followed. Its steps run one after another, never concurrently. */
    private final class Tracked {

        private final Claim claim;
        private final boolean takenOver;
        private final DeploymentProvider provider;
        private DeploymentStatus status;
        private String providerId;
        /** False while {@link #providerId} is known here but not yet written (see {@link #start}). */
        private boolean providerIdStored = true;
        private String cursor;
        private long logSeq;
        private final PollBackoff backoff;
        /** Whether this replica has asked the provider to start it: from then on a start may have gone through. */
        private boolean triggerAttempted;
        private volatile boolean stopped;
        private long timer = -1;
        /** A webhook asked for a poll since the current step began (or while none was pending). */
        private volatile boolean wakeRequested;
        /** Loaded before the first step; until then only token shapes are known. */
        private DeploymentSecrets.InPlay inPlay;
        private LogRedactor redactor = LogRedactor.SHAPES_ONLY;

        Tracked(Claim claim, boolean takenOver) {
            this.claim = claim;
            this.takenOver = takenOver;
            // A deployment taken over may have been triggered by the process that lost it.
            this.triggerAttempted = takenOver;
            this.provider = providers.require(claim.provider());
            this.status = claim.status();
            this.providerId = claim.providerDeploymentId();
            this.cursor = claim.logCursor();
            this.logSeq = claim.logSeq();
            this.backoff = new PollBackoff(config.tracking().pollInitial(), config.tracking().pollMax());
        }

        void stop() {
            stopped = true;
            tracked.remove(claim.id(), this);
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
        }

        /**
         * Only a pending timer is replaced, so steps still never overlap; a wake-up during a step is remembered and
         * the next step follows that one at once, since the step may have read the provider before the change.
         */
        void wake() {
            wakeRequested = true;
            long pending = timer;
            if (pending >= 0 && vertx.cancelTimer(pending)) {
                timer = -1;
                next(Duration.ZERO);
            }
        }

        void next(Duration delay) {
            if (stopped) {
                return;
            }
            if (wakeRequested) {
                delay = Duration.ZERO;
            }
            if (delay.isZero()) {
                vertx.runOnContext(this::step);
            } else {
                timer = vertx.setTimer(delay.toMillis(), id -> step());
            }
        }

        private void step() {
            timer = -1;
            wakeRequested = false;
            if (stopped) {
                return;
            }
            Uni<Duration> work;
            if (takenOver && claim.attempts() > config.queue().maxAttempts()) {
                // The process following it died again and again: stop before it loops for ever.
                work = finish(DeploymentStatus.FAILED, "abandoned after " + (claim.attempts() - 1)
                        + " takeovers: the process following it stopped each time; check the replicas' logs", null);
            } else {
                work = (inPlay == null ? loadSecrets() : Uni.createFrom().voidItem()).chain(this::work);
            }
            work.subscribe().with(this::next, this::failed);
        }

        private Uni<Duration> work() {
            if (timedOut()) {
                return timeOut();
            }
            return providerId == null ? start() : poll();
        }

        /** The timeout counts from the start (leaving the queue), whether or not the trigger went through. */
        private boolean timedOut() {
            return claim.startedAt() != null
                    && claim.startedAt().plus(config.deployment().timeout()).isBefore(Instant.now());
        }

        /**
         * Ends a deployment that ran out of time as {@code TIMED_OUT}, after cancelling it at the provider; one whose
         * trigger never answered is looked for by its tag where the provider has one. A cancel that fails does not
         * keep it running here: its reason says to cancel it at the provider.
         */
        private Uni<Duration> timeOut() {
            String limit = "did not finish within " + readable(config.deployment().timeout())
                    + " (SLIPWAY_DEPLOYMENT_TIMEOUT)";
            String name = provider.name();
            String check = "check " + name + " for a deployment started after " + claim.startedAt();
            Uni<String> reason;
            if (providerId != null) {
                reason = cancelAt(providerId, limit);
            } else if (triggerAttempted && provider.canFindByTag()) {
                reason = provider.findByTag(ref())
                        .onFailure().recoverWithItem(Optional.<String>empty())
                        .chain(found -> found.map(pid -> cancelAt(pid, limit)).orElseGet(() -> Uni.createFrom()
                                .item(limit + "; " + name + " did not confirm that it started it; " + check)));
            } else if (triggerAttempted) {
                reason = Uni.createFrom().item(limit + "; " + name + " did not confirm that it started it; " + check);
            } else {
                reason = Uni.createFrom().item(limit + "; it was never sent to " + name);
            }
            return reason.chain(r -> finish(DeploymentStatus.TIMED_OUT, r, null));
        }

        private Uni<String> cancelAt(String pid, String limit) {
            return provider.cancel(refFor(pid)).map(x -> limit + "; cancelled at " + provider.name())
                    .onFailure().recoverWithItem(e -> limit + "; cancelling it at " + provider.name() + " failed ("
                            + e.getMessage() + "), so cancel it there");
        }

        /** Once per deployment and replica: a taken-over deployment needs its redactor too. */
        private Uni<Void> loadSecrets() {
            return secrets.load(claim, provider).invoke(loaded -> {
                inPlay = loaded;
                redactor = loaded.redactor();
            }).replaceWithVoid();
        }

        private Uni<Duration> start() {
            if (takenOver && !provider.canFindByTag()) {
                return finish(DeploymentStatus.FAILED, "Slipway lost track of this deployment while starting it at "
                        + provider.name() + "; check " + provider.name() + " for a deployment started around "
                        + claim.startedAt() + " before redeploying", null);
            }
            if (outages.paused(provider.name()) && (!triggerAttempted || provider.canFindByTag())) {
                // Nothing was sent, or a later start finds what was by its tag: wait in the queue, not in a slot.
                return release();
            }
            Uni<String> id = takenOver
                    ? provider.findByTag(ref()).chain(found -> found.map(f -> {
                        Log.infof("deployment %s on %s: found as %s after the takeover", claim.publicId(),
                                provider.name(), f);
                        return Uni.createFrom().item(f);
                    }).orElseGet(this::triggered))
                    : triggered();
            if (provider.pollInterval().isPresent() && provider.canFindByTag()) {
                // Polled at once anyway: the id goes with the first poll's write, which saves a round trip.
                // Until then a crash is no loss, since a takeover finds the deployment by its tag.
                return id.map(pid -> {
                    providerId = pid;
                    providerIdStored = false;
                    return Duration.ZERO;
                });
            }
            return id.chain(pid -> write(new Progress(status, status, null, null, pid, List.of(), null))
                    .map(held -> {
                        if (held) {
                            providerId = pid;
                        } else {
                            cancelStarted(pid);
                        }
                        return Duration.ZERO;
                    }));
        }

        private Uni<Duration> release() {
            String reason = "waiting for " + provider.name() + ": its API failed repeatedly, so Slipway pauses calls "
                    + "to it for a while (circuit open)";
            return store.release(claim.id(), claim.epoch(), reason).map(released -> {
                stop();
                if (released) {
                    Log.infof("deployment %s on %s: back in the queue while %s is unavailable", claim.publicId(),
                            provider.name(), provider.name());
                    finished.released(claim);
                }
                return Duration.ZERO;
            });
        }

        private Uni<String> triggered() {
            return trigger().invoke(pid -> Log.infof("deployment %s on %s: triggered as %s", claim.publicId(),
                    provider.name(), pid));
        }

        /**
         * The lease stopped holding while the trigger (or the write of its id) was in flight. A cancelled
         * deployment's start is stopped at the provider, and so is one no other replica can find again (no tag);
         * one taken over or handed back at a provider with tags goes on, since its new owner finds and follows it.
         */
        private void cancelStarted(String pid) {
            (provider.canFindByTag() ? store.isCanceled(claim.id()) : Uni.createFrom().item(true))
                    .chain(canceled -> canceled ? provider.cancel(refFor(pid)) : Uni.createFrom().voidItem())
                    .subscribe().with(x -> { }, e -> Log.warnf("deployment %s on %s: could not cancel %s: %s",
                            claim.publicId(), provider.name(), pid, e.getMessage()));
        }

        /** The variables go first (when they changed), so the build sees them; a failed push fails like a trigger. */
        private Uni<String> trigger() {
            DeploymentProvider.Trigger t = new DeploymentProvider.Trigger(claim.id(), claim.publicId(),
                    claim.project(), claim.target(), claim.repositoryUrl(), claim.repositoryBranch(), claim.ref(),
                    claim.environment(), inPlay.env(), inPlay.credential());
            return envPushes.pushIfChanged(claim, provider, t).chain(() -> {
                triggerAttempted = true;
                return provider.trigger(t);
            });
        }

        private Uni<Duration> poll() {
            return provider.observe(ref(), cursor).chain(seen -> {
                DeploymentProvider.Status s = seen.status();
                DeploymentProvider.LogChunk chunk = seen.logs();
                DeploymentStatus to = status.canMoveTo(s.status()) ? s.status() : status;
                // Finish only once every log line is in, so followers see the whole log before the end.
                if (to.isTerminal() && chunk.more()) {
                    to = status;
                }
                boolean changed = to != status;
                Progress progress = limit(new Progress(status, to, changed ? redact(s.reason()) : null, s.url(),
                        null, chunk.lines(), chunk.nextCursor()));
                DeploymentStatus target = to;
                return write(progress).map(held -> {
                    if (!held) {
                        return Duration.ZERO;
                    }
                    cursor = chunk.nextCursor();
                    if (changed) {
                        Log.infof("deployment %s on %s: %s -> %s", claim.publicId(), provider.name(), status,
                                target);
                        status = target;
                    }
                    if (target.isTerminal()) {
                        done(target);
                        return Duration.ZERO;
                    }
                    return delay(changed || !chunk.lines().isEmpty(), chunk.more());
                });
            });
        }

        private Uni<Duration> finish(DeploymentStatus to, String rawReason, String url) {
            String reason = redact(rawReason);
            return write(new Progress(status, to, reason, url, null, List.of(), null)).map(held -> {
                if (held) {
                    Log.infof("deployment %s on %s: %s -> %s (%s)", claim.publicId(), provider.name(), status, to,
                            reason);
                    status = to;
                    done(to);
                }
                return Duration.ZERO;
            });
        }

        private Uni<Boolean> write(Progress progress) {
            boolean storesId = !providerIdStored && progress.providerDeploymentId() == null;
            Progress p = !storesId ? progress : new Progress(progress.from(), progress.to(), progress.reason(),
                    progress.url(), providerId, progress.lines(), progress.logCursor(), progress.dropped());
            return store.advance(claim.id(), claim.epoch(), p, config.queue().lease()).map(result -> {
                if (!result.held()) {
                    Log.debugf("deployment %s: lease epoch %d no longer holds; stopping", claim.publicId(),
                            claim.epoch());
                    if (storesId) {
                        cancelStarted(providerId);
                    }
                    stop();
                    return false;
                }
                if (storesId) {
                    providerIdStored = true;
                }
                logSeq = result.logSeq();
                return true;
            });
        }

        private void done(DeploymentStatus end) {
            stop();
            finished.finished(claim, end);
        }

        private void failed(Throwable e) {
            if (stopped) {
                return;
            }
            if (e instanceof ProviderException p && !p.isTransient()) {
                finish(DeploymentStatus.FAILED, p.getMessage(), null).subscribe().with(this::next, this::retryLater);
                return;
            }
            retryLater(e);
        }

        private void retryLater(Throwable e) {
            Duration wait = delay(false, false);
            Log.warnf("deployment %s on %s: %s; trying again in %d ms", claim.publicId(), claim.provider(),
                    redact(e.getMessage()), wait.toMillis());
            next(wait);
        }

        /** The next poll: at once while lines are waiting, else a fixed interval or jittered backoff. */
        private Duration delay(boolean progressed, boolean more) {
            if (more) {
                return Duration.ZERO;
            }
            if (provider.pollInterval().isPresent()) {
                return provider.pollInterval().get();
            }
            return backoff.next(progressed);
        }

        /**
         * Redacts the step's lines and applies the line limit: lines up to {@code max - 1}, then one marker
         * line at {@code max} that counts the lines dropped after it (see {@link QueueStore.Dropped}).
         */
        private Progress limit(Progress p) {
            long max = config.logs().maxLines();
            List<LogLine> kept = new ArrayList<>(p.lines().size());
            String marker = "[slipway] this deployment reached its limit of " + max + " log lines; "
                    + QueueStore.Dropped.COUNT + " later lines were dropped";
            long seq = logSeq;
            long dropped = 0;
            for (LogLine line : p.lines()) {
                if (seq < max - 1) {
                    kept.add(new LogLine(line.at(), line.stream(), redactor.redact(line.message())));
                    seq++;
                } else if (seq == max - 1) {
                    // The marker takes the place of line max, which is therefore dropped too.
                    kept.add(new LogLine(line.at(), "system", marker));
                    seq++;
                    dropped++;
                } else {
                    dropped++;
                }
            }
            return new Progress(p.from(), p.to(), p.reason(), p.url(), p.providerDeploymentId(), kept, p.logCursor(),
                    new QueueStore.Dropped(max, marker, dropped));
        }

        /** Status reasons and error messages pass the same redactor as log lines. */
        private String redact(String text) {
            return text == null ? null : redactor.redact(text);
        }

        private DeploymentProvider.Ref ref() {
            return refFor(providerId);
        }

        private DeploymentProvider.Ref refFor(String id) {
            return new DeploymentProvider.Ref(claim.id(), claim.publicId(), claim.target(), id, claim.startedAt(),
                    inPlay == null ? null : inPlay.credential());
        }
    }

    /** A timeout as a person reads it: "60 minutes", "90 seconds". */
    static String readable(Duration d) {
        return d.toSeconds() % 60 == 0 && d.toMinutes() > 0 ? d.toMinutes() + " minutes" : d.toSeconds() + " seconds";
    }

    /** This replica's lease owner id, as the heartbeat needs it. */
    public String owner() {
        return replica.id();
    }
}
