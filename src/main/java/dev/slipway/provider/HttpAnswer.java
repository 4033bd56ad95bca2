package dev.slipway.provider;

/**
 * What a provider's HTTP API answered: the status, the body as text and the {@code Retry-After} header. Answers
 * that are a verdict (2xx and the 4xx ones that say the request itself is wrong) travel as this value through the
 * fault-tolerance guard, so they never count as failures of the provider.
 */
public record HttpAnswer(int status, String body, String retryAfter) {

    public boolean ok() {
        return status / 100 == 2;
    }

    @Override
    public String toString() {
        // Bodies can echo request data; only the status appears in logs.
        return "HttpAnswer[" + status + "]";
    }
}
