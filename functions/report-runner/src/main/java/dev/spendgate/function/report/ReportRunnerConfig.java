package dev.spendgate.function.report;

import dev.spendgate.aws.s3.PresignedLinkTtl;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.report.ReportEnvironment;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The report function's settings, read once from the environment: the bucket holding the usage log (reports go to its
 * {@code reports/YYYY-MM/}), the budgets table, the keys table (with the budgets table, the month's waste analysis
 * applies the governance rules as the waste detector does), the chargeback rules object, Athena (used when
 * {@code SPENDGATE_ATHENA_DATABASE} is set) and the shared report settings ({@link ReportEnvironment}: email,
 * FOCUS account, pricing overrides). Email goes through SES unless {@code SPENDGATE_SMTP_HOST} is set. With
 * {@code SPENDGATE_ALERT_TOPIC_ARN} a month with damaged or quarantined input, or without data, is also alerted there.
 * With {@code SPENDGATE_REPORT_PROVIDER_BILLS=true} the report is reconciled against the provider bills the daily
 * reconcile job stored ({@code reconciliation/bills/YYYY-MM/}), flagging providers above
 * {@code SPENDGATE_RECONCILE_THRESHOLD_PCT} (default 2) and splitting traffic around the gateway per provider account
 * other than {@code SPENDGATE_RECONCILE_GATEWAY_ACCOUNTS} (comma-separated).
 */
record ReportRunnerConfig(
        String bucket,
        String budgetsTable,
        String keysTable,
        String rulesKey,
        String athenaDatabase,
        String athenaTable,
        String athenaWorkgroup,
        String athenaOutput,
        Duration linkTtl,
        String alertTopicArn,
        ReportEnvironment report,
        boolean providerBills,
        BigDecimal reconcileThresholdPercent,
        Set<String> gatewayAccounts) {

    static ReportRunnerConfig fromEnv(Map<String, String> env) {
        String bucket = get(env, "SPENDGATE_USAGE_BUCKET");
        if (bucket == null) {
            throw new IllegalStateException("environment variable SPENDGATE_USAGE_BUCKET must be set");
        }
        String ttl = get(env, "SPENDGATE_REPORT_LINK_TTL_HOURS");
        return new ReportRunnerConfig(
                bucket,
                get(env, "SPENDGATE_BUDGETS_TABLE"),
                get(env, "SPENDGATE_KEYS_TABLE"),
                get(env, "SPENDGATE_CHARGEBACK_RULES_KEY"),
                get(env, "SPENDGATE_ATHENA_DATABASE"),
                orDefault(get(env, "SPENDGATE_ATHENA_TABLE"), "usage"),
                get(env, "SPENDGATE_ATHENA_WORKGROUP"),
                get(env, "SPENDGATE_ATHENA_OUTPUT"),
                linkTtl(ttl),
                get(env, "SPENDGATE_ALERT_TOPIC_ARN"),
                ReportEnvironment.from(env),
                Boolean.parseBoolean(get(env, "SPENDGATE_REPORT_PROVIDER_BILLS")),
                threshold(get(env, "SPENDGATE_RECONCILE_THRESHOLD_PCT")),
                accounts(get(env, "SPENDGATE_RECONCILE_GATEWAY_ACCOUNTS")));
    }

    /**
     * {@code SPENDGATE_REPORT_LINK_TTL_HOURS}, default {@value PresignedLinkTtl#MAX_HOURS}: over 7 days the presigner
     * refuses the first link of the first month too large to attach, after its files are written, so it is refused here.
     */
    private static Duration linkTtl(String v) {
        if (v == null) {
            return Duration.ofHours(PresignedLinkTtl.MAX_HOURS);
        }
        if (!PresignedLinkTtl.valid(v)) {
            throw new IllegalStateException("environment variable SPENDGATE_REPORT_LINK_TTL_HOURS must be "
                    + PresignedLinkTtl.RULE + ", not " + v);
        }
        return Duration.ofHours(Integer.parseInt(v.trim()));
    }

    private static BigDecimal threshold(String v) {
        if (v == null) {
            return Reconciler.DEFAULT_THRESHOLD_PERCENT;
        }
        try {
            BigDecimal t = new BigDecimal(v);
            if (t.signum() >= 0) {
                return t;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalStateException(
                "environment variable SPENDGATE_RECONCILE_THRESHOLD_PCT must be a percentage of at least 0, not " + v);
    }

    private static Set<String> accounts(String v) {
        if (v == null) {
            return Set.of();
        }
        return Arrays.stream(v.split(","))
                .map(String::trim)
                .filter(a -> !a.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
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
