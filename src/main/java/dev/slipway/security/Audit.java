package dev.slipway.security;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Writes audit events inside the caller's transaction, so a change and its audit entry commit together.
 */
@ApplicationScoped
public class Audit {

    /** Records {@code action} on {@code target} by the caller; {@code detail} must never hold a secret. */
    public Uni<Void> record(SecurityIdentity who, String action, String target, String detail) {
        return record(actorOf(who), action, target, detail);
    }

    /** Records an action by a named actor, such as {@code system}. */
    public Uni<Void> record(String actor, String action, String target, String detail) {
        AuditEvent event = new AuditEvent();
        event.actor = actor;
        event.action = action;
        event.target = target;
        event.detail = detail;
        return event.persist().replaceWithVoid();
    }

    /** The newest events first. */
    @WithSession
    public Uni<List<AuditEvent>> page(int page, int size) {
        return AuditEvent.<AuditEvent>findAll(Sort.descending("id")).page(Page.of(page, size)).list();
    }

    @WithSession
    public Uni<Long> count() {
        return AuditEvent.count();
    }

    /** How an identity appears in the audit log: the API key's name and id. */
    public static String actorOf(SecurityIdentity who) {
        if (who == null || who.isAnonymous()) {
            return "anonymous";
        }
        Object id = who.getAttribute(ApiKeyIdentityProvider.KEY_ID);
        return who.getPrincipal().getName() + (id == null ? "" : " (key " + id + ")");
    }
}
