package dev.spendgate.function.report;

import dev.spendgate.report.ReportEnvironment;
import java.time.Duration;
import java.util.Map;

/**
 * The report function's settings, read once from the environment: the bucket holding the usage log (reports go to its
 * {@code reports/YYYY-MM/}), the budgets table, the chargeback rules object, Athena (used when
 * {@code SPENDGATE_ATHENA_DATABASE} is set) and the shared report settings ({@link ReportEnvironment}: email,
 * FOCUS account, pricing overrides). Email goes through SES unless {@code SPENDGATE_SMTP_HOST} is set. With
 * {@code SPENDGATE_ALERT_TOPIC_ARN} a month with damaged or quarantined input, or without data, is also alerted there.
 */
record ReportRunnerConfig(
        String bucket,
        String budgetsTable,
        String rulesKey,
        String athenaDatabase,
        String athenaTable,
        String athenaWorkgroup,
        String athenaOutput,
        Duration linkTtl,
        String alertTopicArn,
        ReportEnvironment report) {

    static ReportRunnerConfig fromEnv(Map<String, String> env) {
        String bucket = get(env, "SPENDGATE_USAGE_BUCKET");
        if (bucket == null) {
            throw new IllegalStateException("environment variable SPENDGATE_USAGE_BUCKET must be set");
        }
        String ttl = get(env, "SPENDGATE_REPORT_LINK_TTL_HOURS");
        return new ReportRunnerConfig(
                bucket,
                get(env, "SPENDGATE_BUDGETS_TABLE"),
                get(env, "SPENDGATE_CHARGEBACK_RULES_KEY"),
                get(env, "SPENDGATE_ATHENA_DATABASE"),
                orDefault(get(env, "SPENDGATE_ATHENA_TABLE"), "usage"),
                get(env, "SPENDGATE_ATHENA_WORKGROUP"),
                get(env, "SPENDGATE_ATHENA_OUTPUT"),
                Duration.ofHours(ttl == null ? 168 : Long.parseLong(ttl)),
                get(env, "SPENDGATE_ALERT_TOPIC_ARN"),
                ReportEnvironment.from(env));
    }

    boolean athena() {
        return athenaDatabase != null;
    }

    private static String get(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.trim();
    }

    private static String orDefault(String v, String d) {
        return v == null ? d : v;
    }
}
