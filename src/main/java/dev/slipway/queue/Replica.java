package dev.slipway.queue;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

/** This process's identity as a lease owner: new on every start, so a restarted process owns nothing. */
@ApplicationScoped
public class Replica {

    private final String id = hostname() + "/" + UUID.randomUUID().toString().substring(0, 8);

    public String id() {
        return id;
    }

    private static String hostname() {
        String host = System.getenv("HOSTNAME");
        return host == null || host.isBlank() ? "slipway" : host;
    }
}
