package dev.slipway.platform;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Collects every problem with a request before refusing it, so a client learns all of them at once.
 */
public final class Validator {

    private final List<Problem.FieldError> errors = new ArrayList<>();

    /** Records an error for {@code field} unless {@code ok}. */
    public Validator check(boolean ok, String field, String message) {
        if (!ok) {
            errors.add(new Problem.FieldError(field, message));
        }
        return this;
    }

    /** Requires a non-blank value. Returns whether it was present, so callers can skip dependent checks. */
    public boolean required(String value, String field) {
        boolean present = value != null && !value.isBlank();
        check(present, field, "is required");
        return present;
    }

    /** Checks an optional value against a pattern. */
    public Validator matches(String value, Pattern pattern, String field, String rule) {
        return check(value == null || pattern.matcher(value).matches(), field, rule);
    }

    /** The request body, or a 400 problem when there is none. */
    public static <T> T body(T body) {
        if (body == null) {
            throw ProblemException.invalid(List.of(new Problem.FieldError("body", "a JSON object is required")));
        }
        return body;
    }

    /** Throws a 400 problem listing every error, if there is any. */
    public void throwIfInvalid() {
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
    }
}
