package dev.spendgate.domain.simulate;

import dev.spendgate.domain.waste.WasteCategory;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * One piece of waste the simulator planted, with what a perfect detector would report for it.
 *
 * @param wastefulCalls the calls that make up the waste (the redundant repeats, the cache hits at 0.85, the simple
 *     calls on a premium model, the repeated-prefix calls, the calls outside governance)
 * @param windowSavingsUsd exact savings over the simulated month (cache misses: of the cache the fix sets up, exact
 *     or at similarity 0.90, {@link dev.spendgate.domain.waste.CacheMissFix})
 * @param spendAtRiskUsd ungoverned keys: cost of the calls outside governance; zero otherwise
 * @param savingsByThreshold cache misses: savings at 0.85, 0.90 and 0.95, and of an exact cache ({@code exact})
 * @param requestIds every wasteful call's request id (empty when the simulation was told not to keep them)
 */
public record PlantedWaste(
        WasteCategory category,
        String kind,
        String scopeType,
        String scopeValue,
        String model,
        long wastefulCalls,
        BigDecimal windowSavingsUsd,
        BigDecimal spendAtRiskUsd,
        Map<String, BigDecimal> savingsByThreshold,
        List<String> requestIds) {

    public PlantedWaste {
        savingsByThreshold = Map.copyOf(savingsByThreshold);
        requestIds = List.copyOf(requestIds);
    }
}
