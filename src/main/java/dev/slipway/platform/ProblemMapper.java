package dev.slipway.platform;

import java.util.List;
import java.util.stream.Collectors;

import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotAuthorizedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;

import io.quarkus.logging.Log;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

/**
 * Turns every failure of a REST call into an {@code application/problem+json} answer; never a stack trace.
 */
public class ProblemMapper {

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        return answer(new Problem(null, e.title(), e.status(), e.getMessage(), path(uri), e.errors()));
    }

    @ServerExceptionMapper({ UnauthorizedException.class, AuthenticationFailedException.class,
            NotAuthorizedException.class })
    public Response unauthorized(Exception e, UriInfo uri) {
        Problem problem = new Problem(null, "Unauthorized", 401,
                "Send a valid API key as 'Authorization: Bearer slw_...'", path(uri), null);
        return Response.status(401).type(Problem.MEDIA_TYPE).header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                .entity(problem).build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return answer(new Problem(null, "Forbidden", 403, "This API key's role may not do this", path(uri), null));
    }

    @ServerExceptionMapper({ JsonProcessingException.class, com.fasterxml.jackson.core.JsonParseException.class,
            MismatchedInputException.class, InvalidFormatException.class, UnrecognizedPropertyException.class,
            com.fasterxml.jackson.databind.exc.ValueInstantiationException.class })
    public Response malformedJson(JsonProcessingException e, UriInfo uri) {
        return answer(new Problem(null, "Malformed request body", 400, describe(e), path(uri), fieldErrors(e)));
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        Throwable cause = e.getCause();
        if (cause instanceof JsonProcessingException json) {
            return malformedJson(json, uri);
        }
        int status = e.getResponse().getStatus();
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known != null ? known.getReasonPhrase() : "Error";
        Response.ResponseBuilder builder = Response.status(status).type(Problem.MEDIA_TYPE)
                .entity(new Problem(null, title, status, detailOf(e, status), path(uri), null));
        if (e instanceof NotAllowedException) {
            builder.header(HttpHeaders.ALLOW, e.getResponse().getHeaderString(HttpHeaders.ALLOW));
        }
        return builder.build();
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER + 1000)
    public Response unexpected(Throwable e, UriInfo uri) {
        Log.errorf(e, "Unexpected failure answering %s", path(uri));
        return answer(new Problem(null, "Internal Server Error", 500,
                "Slipway failed to answer this request; the server log has the details", path(uri), null));
    }

    private static Response answer(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    private static String detailOf(WebApplicationException e, int status) {
        return switch (status) {
            case 404 -> "No such resource";
            case 405 -> "This method is not allowed here";
            case 406 -> "No acceptable representation; ask for application/json";
            case 415 -> "Send the request body as application/json";
            default -> e.getMessage() == null ? "The request failed" : e.getMessage();
        };
    }

    private static String describe(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            return "Unknown field '" + fieldPath(unknown) + "'";
        }
        if (e instanceof InvalidFormatException || e instanceof MismatchedInputException) {
            String field = fieldPath((JsonMappingException) e);
            return field.isEmpty() ? "The request body is not the expected JSON object"
                    : "Field '" + field + "' has the wrong type";
        }
        return "The request body is not valid JSON";
    }

    private static List<Problem.FieldError> fieldErrors(JsonProcessingException e) {
        if (e instanceof JsonMappingException mapping && !fieldPath(mapping).isEmpty()) {
            String message = e instanceof UnrecognizedPropertyException ? "is not a known field" : "has the wrong type";
            return List.of(new Problem.FieldError(fieldPath(mapping), message));
        }
        return null;
    }

    private static String fieldPath(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    /** The request path as problems show it; a webhook URL's token (Railway's) is a secret and stays out. */
    private static String path(UriInfo uri) {
        if (uri == null) {
            return null;
        }
        String path = uri.getRequestUri().getRawPath();
        return path.startsWith("/hooks/railway/") ? "/hooks/railway/{token}" : path;
    }
}
