package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Budgets", Modes: {@code degrade} moves the call "along the operator's chain to the first model whose
 * estimate fits", and "a model the catalog cannot price is refused ... by a block or degrade budget". A chain step
 * the catalog (with the overrides) cannot price can therefore never be taken: a typo silently turns every degrade into
 * a 429. The gateway should refuse such a chain at start, naming the model.
 */
class DegradeChainModelsReviewIT {
    @TempDir
    Path dir;

    GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void degradeChainWithAnUnpricedModel_isRefusedAtStartNamingIt() {
        RuntimeException refused = null;
        try {
            gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_DEGRADE_CHAINS", "gpt-4o>gpt-4o-mnii"));
        } catch (RuntimeException e) {
            refused = e;
        }
        assertThat(refused).as("the gateway refused to start with the chain").isNotNull();
        assertThat(refused).hasMessageContaining("gpt-4o-mnii");
    }
}
