package dev.slipway.project;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A web project Slipway deploys, bound to one provider. */
@Entity
@Table(name = "project")
public class Project extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public String name;

    public String provider;

    /** The provider-specific settings, a JSON object. */
    public String target;

    @Column(name = "repository_url")
    public String repositoryUrl;

    @Column(name = "repository_branch")
    public String repositoryBranch;

    /** Set from the database clock ({@code Db.now()}) by whoever creates the row. */
    @Column(name = "created_at", updatable = false)
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;
}
