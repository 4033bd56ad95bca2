package dev.slipway.crypto;

import java.util.List;

/**
 * Implemented by a bean of each feature that stores secrets, so that rotation reaches every secret without
 * the {@code crypto} package knowing the features.
 */
public interface SecretColumns {

    /** The columns of this feature that hold stored secrets. */
    List<SecretColumn> secretColumns();
}
