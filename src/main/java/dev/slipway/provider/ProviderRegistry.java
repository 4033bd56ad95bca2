package dev.slipway.provider;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import com.fasterxml.jackson.databind.JsonNode;

import dev.slipway.platform.Problem;

/**
 * The providers Slipway knows and the adapters this build has for them.
 */
@ApplicationScoped
public class ProviderRegistry {

    /** Every provider name a project may use. */
    public static final Set<String> KNOWN = Set.of("vercel", "railway", "render", "simulator");

    /** The rule for credential names (the same as for project names). */
    private static final Pattern CREDENTIAL_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private final Map<String, DeploymentProvider> adapters;

    public ProviderRegistry(Instance<DeploymentProvider> adapters) {
        this.adapters = adapters.stream().collect(Collectors.toMap(DeploymentProvider::name, Function.identity()));
    }

    public boolean isKnown(String name) {
        return KNOWN.contains(name);
    }

    /** The adapter for a provider, if this build has one. */
    public Optional<DeploymentProvider> adapter(String name) {
        return Optional.ofNullable(adapters.get(name));
    }

    /** The adapter for a provider whose deployments are already running; it must exist. */
    public DeploymentProvider require(String name) {
        return adapter(name).orElseThrow(() -> new IllegalStateException("no adapter for provider " + name));
    }

    /** Problems with a project target for {@code provider}, which must be known. */
    public List<Problem.FieldError> validateTarget(String provider, JsonNode target) {
        List<Problem.FieldError> errors = new ArrayList<>();
        // Every provider's target may name the credential to deploy with; it need not exist yet.
        JsonNode credential = target.get("credential");
        if (credential != null && !(credential.isTextual() && CREDENTIAL_NAME.matcher(credential.asText()).matches())) {
            errors.add(new Problem.FieldError("target.credential", "must be the name of a credential: 1-63 "
                    + "lowercase letters, digits or dashes"));
        }
        DeploymentProvider adapter = adapters.get(provider);
        if (adapter != null) {
            errors.addAll(adapter.validateTarget(target));
        }
        return errors;
    }
}
