package dev.slipway.platform;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 9457 problem document, the body of every error answer.
 *
 * @param type     a URI naming the kind of problem; {@code about:blank} when the status says it all
 * @param title    the short, fixed summary of the kind of problem
 * @param status   the HTTP status code
 * @param detail   what went wrong with this request, in words a person understands
 * @param instance the request path
 * @param errors   for validation problems, one entry per offending field
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Problem(String type, String title, int status, String detail, String instance,
        List<FieldError> errors) {

    /** The media type of problem documents. */
    public static final String MEDIA_TYPE = "application/problem+json";

    /** One invalid field of a request. */
    public record FieldError(String field, String message) {
    }
}
