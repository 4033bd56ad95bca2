package dev.slipway.deployment;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jakarta.ws.rs.NameBinding;

/**
 * Marks a streaming method whose {@code {id}} must name an existing deployment. A stream commits its
 * 200 status before the first event, so the check runs in a request filter, where a 404 can still be sent.
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.METHOD, ElementType.TYPE })
public @interface ExistingDeployment {
}
