package dev.slipway.platform;

import java.time.Instant;
import java.time.OffsetDateTime;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/** Small database facts that entities need. */
public final class Db {

    private Db() {
    }

    /**
     * The database's {@code now()} in the current transaction: the same instant its column defaults use, so
     * times set from it agree with times set in SQL, whatever the replica's own clock says.
     */
    public static Uni<Instant> now() {
        return Panache.getSession().chain(s -> s.createNativeQuery("select now()", OffsetDateTime.class)
                .getSingleResult()).map(OffsetDateTime::toInstant);
    }
}
