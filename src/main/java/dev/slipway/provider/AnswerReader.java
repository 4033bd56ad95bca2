package dev.slipway.provider;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads a provider's JSON answers for one adapter. A malformed answer is taken for a passing glitch and
 * retried, but after {@code maxInARow} of them for the same deployment the deployment fails with a reason,
 * so a provider that changed its format cannot keep a deployment waiting for ever.
 */
public final class AnswerReader {

    private final String provider;
    private final ObjectMapper json;
    private final int maxInARow;
    private final Map<Long, Integer> malformed = new ConcurrentHashMap<>();

    /** @param provider the provider's name as a person reads it ("Vercel") */
    public AnswerReader(String provider, ObjectMapper json, int maxInARow) {
        this.provider = provider;
        this.json = json;
        this.maxInARow = maxInARow;
    }

    /** The answer's body as {@code type}; a malformed body throws {@link #malformed}'s failure. */
    public <T> T read(HttpAnswer answer, Class<T> type, long deploymentId) {
        try {
            return wellFormed(json.readValue(answer.body(), type), deploymentId);
        } catch (IOException | RuntimeException e) {
            throw malformed(deploymentId, "malformed JSON");
        }
    }

    /** The same for generic types. */
    public <T> T read(HttpAnswer answer, TypeReference<T> type, long deploymentId) {
        try {
            return wellFormed(json.readValue(answer.body(), type), deploymentId);
        } catch (IOException | RuntimeException e) {
            throw malformed(deploymentId, "malformed JSON");
        }
    }

    /** A transient failure for an answer that makes no sense, or a terminal one after too many in a row. */
    public ProviderException malformed(long deploymentId, String what) {
        int times = malformed.merge(deploymentId, 1, Integer::sum);
        if (times >= maxInARow) {
            malformed.remove(deploymentId);
            return ProviderException.terminal(provider + " answered with " + what + " " + times
                    + " times in a row; Slipway cannot follow this deployment");
        }
        return ProviderException.transientFailure(provider + " answered with " + what, null);
    }

    private <T> T wellFormed(T value, long deploymentId) {
        malformed.remove(deploymentId);
        return value;
    }
}
