package dev.spendgate.function.waste;

import dev.spendgate.domain.waste.WasteAnalyzer;
import java.util.Map;

/**
 * The waste function's settings, read once from the environment.
 *
 * @param usageBucket {@code SPENDGATE_USAGE_BUCKET}: the bucket holding {@code usage/v1/} and receiving
 *     {@code findings/}
 * @param alertTopicArn {@code SPENDGATE_ALERT_TOPIC_ARN}: where the top findings go; null sends none
 * @param keysTable {@code SPENDGATE_KEYS_TABLE}, optional: with the budgets table, enables the key and budget rules
 * @param budgetsTable {@code SPENDGATE_BUDGETS_TABLE}, optional
 * @param topFindings {@code SPENDGATE_WASTE_ALERT_FINDINGS} (default 5): how many findings the alert carries
 * @param fromAggregates {@code SPENDGATE_WASTE_SOURCE}: {@code aggregates} (the default) merges the window's day
 *     aggregates; {@code log} reads every record of the window (the path before day aggregates)
 * @param indexThreads {@code SPENDGATE_WASTE_THREADS} (default: the processors the JVM sees, e.g. 6 at 10,240 MB):
 *     worker threads for the response-cache index of the day pass; 1 runs it on the pass's thread
 * @param mergeBounds {@code SPENDGATE_WASTE_MERGE_MAX_RETRY_SCOPES} (default 200,000),
 *     {@code SPENDGATE_WASTE_MERGE_MAX_PROMPTS} (400,000), {@code SPENDGATE_WASTE_MERGE_MAX_JOBS} (100,000),
 *     {@code SPENDGATE_WASTE_MERGE_MAX_RETRY_FINDINGS} (10,000): how many retry scopes, system prompts with a cache
 *     write, jobs and retry scopes with a finding the window merge holds before it settles (or rolls up) the ones the
 *     last merged day did not have ({@link WasteAnalyzer.Bounds}; each is counted in the findings' warnings)
 * @param pricingOverrides {@code SPENDGATE_PRICING_OVERRIDES}, optional: the customer price file the proxy charges
 *     with (in the config layer), so savings are priced at the contracted rates the calls were charged at
 */
public record WasteDetectorConfig(
        String usageBucket,
        String alertTopicArn,
        String keysTable,
        String budgetsTable,
        int topFindings,
        boolean fromAggregates,
        int indexThreads,
        WasteAnalyzer.Bounds mergeBounds,
        String pricingOverrides) {

    public static WasteDetectorConfig fromEnvironment(Map<String, String> env) {
        String bucket = blankToNull(env.get("SPENDGATE_USAGE_BUCKET"));
        if (bucket == null) {
            throw new IllegalStateException("SPENDGATE_USAGE_BUCKET is not set");
        }
        String top = blankToNull(env.get("SPENDGATE_WASTE_ALERT_FINDINGS"));
        int topFindings;
        try {
            topFindings = top == null ? 5 : Integer.parseInt(top);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("SPENDGATE_WASTE_ALERT_FINDINGS must be a whole number, was " + top);
        }
        String source = blankToNull(env.get("SPENDGATE_WASTE_SOURCE"));
        if (source != null && !source.equals("aggregates") && !source.equals("log")) {
            throw new IllegalStateException("SPENDGATE_WASTE_SOURCE must be aggregates or log, was " + source);
        }
        String threads = blankToNull(env.get("SPENDGATE_WASTE_THREADS"));
        int indexThreads;
        try {
            indexThreads = threads == null ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(threads);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("SPENDGATE_WASTE_THREADS must be a whole number, was " + threads);
        }
        if (indexThreads < 1) {
            throw new IllegalStateException("SPENDGATE_WASTE_THREADS must be at least 1, was " + threads);
        }
        WasteAnalyzer.Bounds defaults = WasteAnalyzer.Bounds.DEFAULT;
        WasteAnalyzer.Bounds mergeBounds = new WasteAnalyzer.Bounds(
                atLeastOne(env, "SPENDGATE_WASTE_MERGE_MAX_RETRY_SCOPES", defaults.retryScopes()),
                atLeastOne(env, "SPENDGATE_WASTE_MERGE_MAX_PROMPTS", defaults.prompts()),
                atLeastOne(env, "SPENDGATE_WASTE_MERGE_MAX_JOBS", defaults.jobs()),
                atLeastOne(env, "SPENDGATE_WASTE_MERGE_MAX_RETRY_FINDINGS", defaults.retryFindings()));
        return new WasteDetectorConfig(
                bucket,
                blankToNull(env.get("SPENDGATE_ALERT_TOPIC_ARN")),
                blankToNull(env.get("SPENDGATE_KEYS_TABLE")),
                blankToNull(env.get("SPENDGATE_BUDGETS_TABLE")),
                topFindings,
                !"log".equals(source),
                indexThreads,
                mergeBounds,
                blankToNull(env.get("SPENDGATE_PRICING_OVERRIDES")));
    }

    private static int atLeastOne(Map<String, String> env, String name, int fallback) {
        String value = blankToNull(env.get(name));
        if (value == null) {
            return fallback;
        }
        int parsed;
        try {
            parsed = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalStateException(name + " must be a whole number, was " + value);
        }
        if (parsed < 1) {
            throw new IllegalStateException(name + " must be at least 1, was " + value);
        }
        return parsed;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
