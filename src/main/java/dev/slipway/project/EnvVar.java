package dev.slipway.project;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import dev.slipway.crypto.SecretContext;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** One environment variable of a project, its value encrypted, for production, preview or both. */
@Entity
@Table(name = "project_env")
public class EnvVar extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "project_id")
    public Long projectId;

    public String key;

    /** The value in the stored form {@code slw:...}; never plaintext. */
    public String value;

    public boolean production;

    public boolean preview;

    @Column(name = "created_at", updatable = false)
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    /** The associated data of a variable's value: bound to the project's id and the key. */
    public static SecretContext context(long projectId, String key) {
        return new SecretContext("project_env", Long.toString(projectId), key);
    }

    /** The environments the variable is set for, in the API's words. */
    public List<String> targets() {
        List<String> targets = new ArrayList<>(2);
        if (production) {
            targets.add("production");
        }
        if (preview) {
            targets.add("preview");
        }
        return targets;
    }
}
