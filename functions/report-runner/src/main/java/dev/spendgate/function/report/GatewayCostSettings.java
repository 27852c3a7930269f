package dev.spendgate.function.report;

import dev.spendgate.domain.gatewaycost.AwsPrices;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.gatewaycost.GatewayCostModel;
import dev.spendgate.report.gatewaycost.GatewayCostRows;
import java.util.Map;

/**
 * How the report estimates the gateway's own AWS cost, read once from the environment the stack sets:
 * {@code SPENDGATE_PROXY_MEMORY_MB} and {@code SPENDGATE_PROXY_ARCHITECTURE} ({@code x86_64} or {@code arm64}) of the
 * deployed proxy, {@code SPENDGATE_GATEWAY_COST_MEAN_CALL_MS} (the billed duration assumed per call, default 4000)
 * and {@code SPENDGATE_GATEWAY_COST_BUDGETS_PER_CALL} (default 1). Without the memory setting (local runs) there is no
 * estimate.
 */
record GatewayCostSettings(int memoryMb, boolean arm64, long meanCallMillis, int budgetsPerCall) {

    static GatewayCostSettings fromEnv(Map<String, String> env) {
        String memory = env.get("SPENDGATE_PROXY_MEMORY_MB");
        if (memory == null || memory.isBlank()) {
            return null;
        }
        String arch = env.getOrDefault("SPENDGATE_PROXY_ARCHITECTURE", "x86_64").trim();
        if (!arch.equals("x86_64") && !arch.equals("arm64")) {
            throw new IllegalStateException("SPENDGATE_PROXY_ARCHITECTURE must be x86_64 or arm64, was " + arch);
        }
        return new GatewayCostSettings(
                number(env, "SPENDGATE_PROXY_MEMORY_MB", memory),
                arch.equals("arm64"),
                number(
                        env,
                        "SPENDGATE_GATEWAY_COST_MEAN_CALL_MS",
                        env.getOrDefault("SPENDGATE_GATEWAY_COST_MEAN_CALL_MS", "4000")),
                number(
                        env,
                        "SPENDGATE_GATEWAY_COST_BUDGETS_PER_CALL",
                        env.getOrDefault("SPENDGATE_GATEWAY_COST_BUDGETS_PER_CALL", "1")));
    }

    /** The deployed proxy sends usage records through the stack's Firehose stream, not an S3 object per call. */
    GatewayCostRows rows() {
        return new GatewayCostRows(
                CallProfile.measured(budgetsPerCall, meanCallMillis, memoryMb, arm64, CallProfile.Delivery.FIREHOSE),
                GatewayCostModel.create(AwsPrices.US_EAST_1));
    }

    private static int number(Map<String, String> env, String name, String value) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalStateException(name + " must be a whole number of 0 or more, was " + value);
        }
    }
}
