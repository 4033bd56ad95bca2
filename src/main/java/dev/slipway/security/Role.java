package dev.slipway.security;

import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What an API key may do. Each role includes the ones below it: {@code viewer < deployer < admin}.
 */
public enum Role {
    /** Reads everything but secrets. */
    VIEWER,
    /** Also creates, cancels and redeploys deployments. */
    DEPLOYER,
    /** Also manages projects, API keys, credentials and notifications. */
    ADMIN;

    /** Role names as they appear in {@code @RolesAllowed} and in the API. */
    public static final String VIEWER_NAME = "viewer";
    public static final String DEPLOYER_NAME = "deployer";
    public static final String ADMIN_NAME = "admin";

    public String apiName() {
        return name().toLowerCase();
    }

    /** This role's name and the names of every role it includes. */
    public Set<String> grantedNames() {
        return Arrays.stream(values()).filter(r -> r.ordinal() <= ordinal()).map(Role::apiName)
                .collect(Collectors.toUnmodifiableSet());
    }

    public static Optional<Role> parse(String name) {
        return Arrays.stream(values()).filter(r -> r.apiName().equals(name)).findFirst();
    }
}
