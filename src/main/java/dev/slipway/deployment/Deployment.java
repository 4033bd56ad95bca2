package dev.slipway.deployment;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/**
 * One request to ship a project's ref to an environment, and everything that happened to it.
 *
 * <p>The queue and the tracker change rows with conditional SQL that names the lease epoch (see
 * {@code dev.slipway.queue.QueueStore}); this entity serves creation and reading.
 */
@Entity
@Table(name = "deployment")
public class Deployment extends PanacheEntityBase {

    /** The prefix of deployment ids in the API: {@code d-42}. */
    public static final String ID_PREFIX = "d-";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "project_id")
    public Long projectId;

    public String provider;

    public String environment;

    public String ref;

    /** {@link Priority} ordinal: higher starts first. */
    public short priority;

    @Enumerated(EnumType.STRING)
    public DeploymentStatus status;

    @Column(name = "status_reason")
    public String statusReason;

    @Column(name = "provider_deployment_id")
    public String providerDeploymentId;

    public String url;

    public int attempts;

    @Column(name = "idempotency_key")
    public String idempotencyKey;

    @Column(name = "idempotency_owner")
    public Long idempotencyOwner;

    @Column(name = "request_hash")
    public String requestHash;

    @Column(name = "created_by")
    public String createdBy;

    @Column(name = "lease_owner")
    public String leaseOwner;

    @Column(name = "lease_epoch")
    public long leaseEpoch;

    @Column(name = "lease_expires_at")
    public Instant leaseExpiresAt;

    @Column(name = "log_seq")
    public long logSeq;

    @Column(name = "log_cursor")
    public String logCursor;

    /** Set from the database clock ({@code Db.now()}) by whoever creates the row. */
    @Column(name = "created_at", updatable = false)
    public Instant createdAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    @Column(name = "updated_at", insertable = false)
    public Instant updatedAt;

    /** The id as the API shows it. */
    public String publicId() {
        return ID_PREFIX + id;
    }

    /** Parses an API id ({@code d-42}); empty-handed callers answer 404. */
    public static java.util.OptionalLong parseId(String publicId) {
        if (publicId == null || !publicId.startsWith(ID_PREFIX)) {
            return java.util.OptionalLong.empty();
        }
        try {
            long id = Long.parseLong(publicId.substring(ID_PREFIX.length()));
            return id > 0 ? java.util.OptionalLong.of(id) : java.util.OptionalLong.empty();
        } catch (NumberFormatException e) {
            return java.util.OptionalLong.empty();
        }
    }
}
