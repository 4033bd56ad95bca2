package dev.slipway.provider;

import java.util.Map;
import java.util.function.Supplier;

import jakarta.annotation.PreDestroy;

import dev.slipway.provider.DeploymentProvider.ProviderCredential;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;

/**
 * What a REST provider's client offers its adapter: guarded calls, unguarded exchanges to combine inside one guarded
 * attempt, and the terminal failure for a 4xx verdict. A subclass only says how its provider is reached (name,
 * default URL, guard, settings) and where its error bodies keep the message; see {@link ProviderHttp} for what
 * every call goes through. Subclasses are {@code @Singleton}: a client proxy would need a no-args constructor, and
 * nothing here needs lazy creation.
 */
public abstract class RestProviderClient {

    private final ProviderHttp http;

    protected RestProviderClient(ProviderHttp http) {
        this.http = http;
    }

    @PreDestroy
    protected void close() {
        http.close();
    }

    /** One guarded call; {@code body} may be null. Fails only with {@link ProviderException}. */
    public Uni<HttpAnswer> call(HttpMethod method, String path, Map<String, String> query, Object body,
            ProviderCredential credential) {
        return http.call(method, path, query, body, credential);
    }

    /** Runs {@code attempt}, which must be safe to repeat as a whole, through the guard. */
    public Uni<HttpAnswer> guarded(Supplier<Uni<HttpAnswer>> attempt) {
        return http.guarded(attempt);
    }

    /** One unguarded exchange, for use inside {@link #guarded}. */
    public Uni<HttpAnswer> send(HttpMethod method, String path, Map<String, String> query, Object body,
            ProviderCredential credential) {
        return http.send(method, path, query, body, credential);
    }

    /** The terminal failure for a 4xx verdict about {@code what}. */
    public ProviderException rejected(HttpAnswer answer, String what) {
        return http.rejected(answer, what);
    }

    /** The same for a request that carried {@code secrets}: a provider message quoting one is left out. */
    public ProviderException rejected(HttpAnswer answer, String what, java.util.Collection<String> secrets) {
        return http.rejected(answer, what, secrets);
    }
}
