package dev.slipway.logs;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/**
 * One stored log line of a deployment. Lines are written in batches by {@code LogStore} with plain SQL;
 * the entity maps the table for reads and schema validation.
 */
@Entity
@Table(name = "deployment_log")
@IdClass(DeploymentLog.Key.class)
public class DeploymentLog extends PanacheEntityBase {

    @Id
    @Column(name = "deployment_id")
    public Long deploymentId;

    @Id
    public Long seq;

    public Instant at;

    public String stream;

    public String message;

    /** The composite primary key. */
    public static class Key implements Serializable {
        public Long deploymentId;
        public Long seq;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(deploymentId, k.deploymentId) && Objects.equals(seq, k.seq);
        }

        @Override
        public int hashCode() {
            return Objects.hash(deploymentId, seq);
        }
    }
}
