package dev.slipway.crypto;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import dev.slipway.platform.ProblemException;
import dev.slipway.security.Audit;
import dev.slipway.security.Role;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Key rotation, admins only: re-encrypts every secret under the first key of the keyring. */
@Path("/api/v1/admin")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Role.ADMIN_NAME)
public class RotationResource {

    private final Rotation rotation;
    private final Audit audit;
    private final SecurityIdentity identity;

    public RotationResource(Rotation rotation, Audit audit, SecurityIdentity identity) {
        this.rotation = rotation;
        this.audit = audit;
        this.identity = identity;
    }

    /** The answer: how many values were re-encrypted and how many already used the first key. */
    public record RotationView(String primaryKey, long reencrypted, long alreadyCurrent) {
    }

    @POST
    @Path("/rotate-encryption")
    public Uni<RotationView> rotate() {
        return rotation.rotate()
                .onFailure(SecretException.class).transform(e -> new ProblemException(409, "Conflict",
                        "Rotation stopped: " + e.getMessage() + ". Values already done stay re-encrypted; add "
                                + "the missing key to SLIPWAY_ENCRYPTION_KEYS and rotate again."))
                .call(r -> Panache.withTransaction(() -> audit.record(identity, "encryption.rotate",
                        "keyring/" + r.primaryKey(), r.reencrypted() + " re-encrypted, " + r.alreadyCurrent()
                                + " already current")))
                .map(r -> new RotationView(r.primaryKey(), r.reencrypted(), r.alreadyCurrent()));
    }
}
