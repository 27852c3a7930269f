package dev.spendgate.function.report;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.aws.AwsClients;
import dev.spendgate.aws.athena.AthenaMonthlyUsageSource;
import dev.spendgate.aws.dynamodb.DynamoDbBudgetPolicyStore;
import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.aws.ses.SesMailTransport;
import dev.spendgate.aws.sns.SnsAlertSink;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.MailTransport;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.report.MonthlyReport;
import dev.spendgate.report.email.SmtpMailTransport;
import dev.spendgate.report.narrative.LlmNarrative;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The monthly report Lambda, invoked by EventBridge Scheduler on the 1st: writes the previous month's FOCUS file,
 * chargeback and board PDF to {@code reports/YYYY-MM/} in the usage bucket and emails them once. The scheduler's
 * input may name {@code month} ("2026-11") and {@code force_email} (true) to re-run a month by hand.
 */
public final class ReportRunnerHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ReportRunnerConfig config;
    private final Supplier<List<BudgetPolicy>> budgets;
    private final MonthlyUsageSource source;
    private final ObjectStore store;
    private final MonthlyReport.Email email;
    private final Clock clock;
    private final AlertSink alerts;
    private GatewayCostSettings gatewayCost;

    /** Builds everything from the environment, once per Lambda instance. */
    public ReportRunnerHandler() {
        this(ReportRunnerConfig.fromEnv(System.getenv()), AwsClients.fromEnvironment(), Clock.systemUTC());
        gatewayCost = GatewayCostSettings.fromEnv(System.getenv());
    }

    private ReportRunnerHandler(ReportRunnerConfig config, AwsClients aws, Clock clock) {
        this(
                new S3ObjectStore(aws.s3(), config.bucket()),
                config,
                config.athena() ? athena(config, aws) : null,
                budgets(config, aws),
                transport(config, aws),
                presignedLinks(config, aws),
                clock,
                config.alertTopicArn() == null ? null : new SnsAlertSink(aws.sns(), config.alertTopicArn()));
    }

    /** For tests: the collaborators, with a null {@code athena} meaning the in-process path. */
    ReportRunnerHandler(
            ObjectStore store,
            ReportRunnerConfig config,
            MonthlyUsageSource athena,
            Supplier<List<BudgetPolicy>> budgets,
            MailTransport transport,
            Function<String, String> linkFor,
            Clock clock) {
        this(store, config, athena, budgets, transport, linkFor, clock, null);
    }

    /** For tests: as above, with where data-quality alerts go (null: the log only). */
    ReportRunnerHandler(
            ObjectStore store,
            ReportRunnerConfig config,
            MonthlyUsageSource athena,
            Supplier<List<BudgetPolicy>> budgets,
            MailTransport transport,
            Function<String, String> linkFor,
            Clock clock,
            AlertSink alerts) {
        this.alerts = alerts;
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.source = athena != null ? athena : MonthlyUsageSource.fromLog(store);
        this.config = config;
        this.budgets = Objects.requireNonNull(budgets, "budgets");
        this.email = config.report().emailTo().isEmpty() || transport == null
                ? null
                : new MonthlyReport.Email(
                        config.report().emailFrom(),
                        config.report().emailTo(),
                        config.report().maxAttachmentBytes(),
                        transport,
                        linkFor);
    }

    /**
     * The report as configured now: chargeback rules and budget policies are read on every run, not when the instance
     * starts (a SnapStart snapshot would otherwise keep the rules and budgets of the day the version was published).
     */
    private MonthlyReport monthlyReport() {
        ChargebackRules rules = config.rulesKey() == null
                ? config.report().rules(null)
                : store.get(config.rulesKey()).map(ChargebackRules::parse).orElseGet(() -> {
                    // the stack always names the key; until the operator uploads rules, everything is suspense
                    System.out.println("{\"level\":\"WARN\",\"message\":\"no chargeback rules at " + config.rulesKey()
                            + ": all spend goes to the suspense account\"}");
                    return config.report().rules(null);
                });
        MonthlyReport monthly = MonthlyReport.create(
                new MonthlyReport.Settings(
                        config.report().contractedCatalog(),
                        PricingCatalog.bundled(),
                        rules,
                        budgets.get(),
                        config.report().focus()),
                clock);
        if (gatewayCost != null) {
            monthly = monthly.withGatewayCost(gatewayCost.rows());
        }
        return config.report().llm() == null
                ? monthly
                : monthly.withLlmNarrative(new LlmNarrative(config.report().llm()));
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        Map<String, Object> input = event == null ? Map.of() : event;
        Object m = input.get("month");
        YearMonth month = m == null
                ? YearMonth.from(clock.instant().atZone(ZoneOffset.UTC)).minusMonths(1)
                : YearMonth.parse(m.toString());
        boolean force = Boolean.parseBoolean(String.valueOf(input.getOrDefault("force_email", "false")));
        String prefix = "reports/" + month + "/";
        MonthlyReport.Result r = monthlyReport().run(month, source, store, store, prefix, email, force);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("month", month.toString());
        out.put("prefix", prefix);
        out.put("total_usd", r.figures().totalUsd().toPlainString());
        out.put("calls", r.figures().calls());
        out.put("focus_rows", r.focusRows());
        out.put("chargeback_lines", r.chargeback().lines().size());
        out.put("suspense_lines", r.chargeback().suspense().size());
        out.put("email", r.email().name().toLowerCase(java.util.Locale.ROOT));
        out.put("timings_ms", r.timingsMs());
        out.put("warnings", r.warnings());
        out.put("narrative", r.narrativeByLlm() ? "llm" : "deterministic");
        out.put("data_quality", r.quality().summaryLine());
        out.put("strict_ok", !r.strictFailure());
        if (r.strictFailure() || r.quality().noData()) {
            // the scheduled run has no exit code to fail: it says so in the log and to the alert topic
            String message = (r.quality().noData() ? "No usage in " + month + ". " : "")
                    + r.quality().summaryLine() + " Details: s3 " + prefix + MonthlyReport.DATA_QUALITY;
            try {
                System.out.println(JSON.writeValueAsString(
                        Map.of("level", "WARN", "message", "monthly report data quality: " + message)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                // the alert below still goes
            }
            if (alerts != null) {
                alerts.send(new AlertSink.Notice(
                        "Spendgate report " + month + ": "
                                + (r.quality().noData() ? "no usage data" : "damaged or quarantined usage"),
                        message,
                        Map.of(
                                "month", month.toString(),
                                "damaged_objects", Long.toString(r.quality().damagedObjects()),
                                "quarantined_records", Long.toString(r.quality().quarantinedCount()))));
            }
        }
        try {
            System.out.println(JSON.writeValueAsString(Map.of(
                    "level",
                    "INFO",
                    "message",
                    "monthly report written",
                    "request_id",
                    context == null ? "-" : context.getAwsRequestId(),
                    "report",
                    out)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // a log line is not worth failing the report for
        }
        return out;
    }

    private static MonthlyUsageSource athena(ReportRunnerConfig config, AwsClients aws) {
        AthenaMonthlyUsageSource athena = new AthenaMonthlyUsageSource(
                AthenaMonthlyUsageSource.client(aws),
                new AthenaMonthlyUsageSource.Settings(
                        config.athenaDatabase(),
                        config.athenaTable(),
                        config.athenaWorkgroup(),
                        config.athenaOutput(),
                        null));
        athena.createTableIfMissing(config.bucket());
        return athena;
    }

    private static Supplier<List<BudgetPolicy>> budgets(ReportRunnerConfig config, AwsClients aws) {
        return config.budgetsTable() == null
                ? List::of
                : () -> new DynamoDbBudgetPolicyStore(aws.dynamoDb(), config.budgetsTable()).list();
    }

    private static MailTransport transport(ReportRunnerConfig config, AwsClients aws) {
        if (config.report().emailTo().isEmpty()) {
            return null;
        }
        return config.report().smtp() != null
                ? SmtpMailTransport.create(config.report().smtp())
                : new SesMailTransport(SesMailTransport.client(aws));
    }

    private static Function<String, String> presignedLinks(ReportRunnerConfig config, AwsClients aws) {
        return key -> {
            S3Presigner.Builder builder = S3Presigner.builder();
            aws.region().ifPresent(builder::region);
            aws.endpointOverride().ifPresent(builder::endpointOverride);
            try (S3Presigner presigner = builder.build()) {
                return presigner
                        .presignGetObject(p -> p.signatureDuration(config.linkTtl())
                                .getObjectRequest(g -> g.bucket(config.bucket()).key(key)))
                        .url()
                        .toString();
            }
        };
    }
}
