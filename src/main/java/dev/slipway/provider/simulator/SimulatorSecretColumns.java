package dev.slipway.provider.simulator;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.slipway.crypto.SecretColumn;
import dev.slipway.crypto.SecretColumns;

/** The simulator's secrets, for rotation: the variables each simulated deployment was started with. */
@ApplicationScoped
public class SimulatorSecretColumns implements SecretColumns {

    @Override
    public List<SecretColumn> secretColumns() {
        // Must match SimulatorProvider.envContext: owner is Slipway's deployment id.
        return List.of(new SecretColumn("simulator_deployment", "env", "id", "text", "slipway_deployment::text",
                "'env'"));
    }
}
