package dev.slipway.credential;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import dev.slipway.crypto.SecretContext;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** A provider credential: an API token (encrypted) and the team or workspace it acts for. */
@Entity
@Table(name = "credential")
public class Credential extends PanacheEntityBase {

    /** Where a credential came from: put through the API, or connected through OAuth. */
    public static final String SOURCE_API = "api";
    /** See {@link #SOURCE_API}. */
    public static final String SOURCE_OAUTH = "oauth";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public String name;

    public String provider;

    /** The token in the stored form {@code slw:...}; never plaintext. */
    public String token;

    @Column(name = "token_hint")
    public String tokenHint;

    @Column(name = "team_id")
    public String teamId;

    @Column(name = "owner_id")
    public String ownerId;

    public String source;

    /** OAuth refresh token in the stored form, or null. */
    @Column(name = "refresh_token")
    public String refreshToken;

    @Column(name = "expires_at")
    public Instant expiresAt;

    @Column(name = "refresh_claimed_until")
    public Instant refreshClaimedUntil;

    @Column(name = "created_at", updatable = false)
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    /** The associated data of a credential's token. */
    public static SecretContext tokenContext(String name) {
        return new SecretContext("credential", name, "token");
    }

    /** The associated data of a credential's refresh token. */
    public static SecretContext refreshContext(String name) {
        return new SecretContext("credential", name, "refresh_token");
    }

    /** The last 4 characters of a token, as lists show it; shorter tokens show nothing. */
    public static String hintOf(String token) {
        return token.length() < 12 ? "" : token.substring(token.length() - 4);
    }
}
