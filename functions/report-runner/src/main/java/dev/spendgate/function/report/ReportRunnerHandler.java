package dev.spendgate.function.report;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.spendgate.aws.AwsClients;
import dev.spendgate.aws.athena.AthenaMonthlyUsageSource;
import dev.spendgate.aws.dynamodb.DynamoDbBudgetPolicyStore;
import dev.spendgate.aws.dynamodb.DynamoDbKeyStore;
import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.aws.ses.SesMailTransport;
import dev.spendgate.aws.sns.SnsAlertSink;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.MailTransport;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.logging.JsonLogger;
import dev.spendgate.report.MonthlyReport;
import dev.spendgate.report.email.SmtpMailTransport;
import dev.spendgate.report.narrative.LlmNarrative;
import dev.spendgate.report.reconcile.ProviderBillRows;
import dev.spendgate.report.reconcile.ProviderBills;
import dev.spendgate.report.reconcile.StoredBills;
import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The monthly report Lambda, invoked by EventBridge Scheduler on the 2nd: writes the previous month's FOCUS file,
 * chargeback and board PDF to {@code reports/YYYY-MM/} in the usage bucket and emails them once; with
 * {@code SPENDGATE_REPORT_PROVIDER_BILLS=true} they carry the reconciliation with the provider bills the daily reconcile
 * job stored for the month (reconciliation section and status on the PDF, {@code x_CostSource=provider_bill} FOCUS rows,
 * {@code reconciliation.csv}). The scheduler's
 * input may name {@code month} ("2026-11") and {@code force_email} (true) to re-run a month by hand.
 */
public final class ReportRunnerHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private static final JsonLogger LOG = JsonLogger.create("report-runner");

    /** Why a provider has no bill in the AWS report: the reconcile job stored none for the month. */
    static final String NOT_STORED = "none stored by the reconcile job: no admin key or export, or it has not run";

    private final ReportRunnerConfig config;
    private final Supplier<List<BudgetPolicy>> budgets;
    /** The keys, for the waste analysis's governance rules; null when the keys table is not known. */
    private Supplier<List<ProxyKey>> keys;

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
        if (config.keysTable() != null && config.budgetsTable() != null) {
            DynamoDbKeyStore keyStore = new DynamoDbKeyStore(aws.dynamoDb(), config.keysTable());
            keys = keyStore::list;
        }
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
    private MonthlyReport monthlyReport(ProviderBills bills) {
        ChargebackRules rules = config.rulesKey() == null
                ? config.report().rules(null)
                : store.get(config.rulesKey()).map(ChargebackRules::parse).orElseGet(() -> {
                    // the stack always names the key; until the operator uploads rules, everything is suspense
                    LOG.warn("report.rules_missing")
                            .field("rules_key", config.rulesKey())
                            .log("no chargeback rules at " + config.rulesKey()
                                    + ": all spend goes to the suspense account");
                    return config.report().rules(null);
                });
        List<BudgetPolicy> policies = budgets.get();
        // the waste analysis judges keys as the waste detector does: with the keys and budgets tables when known
        // (a deployment's: the findings advise the admin API, as the CLI does not reach the tables)
        Governance governance = (keys == null ? Governance.UNKNOWN : new Governance(keys.get(), policies)).deployed();
        MonthlyReport monthly = MonthlyReport.create(
                        new MonthlyReport.Settings(
                                config.report().contractedCatalog(),
                                PricingCatalog.bundled(),
                                rules,
                                policies,
                                config.report().focus(),
                                governance),
                        clock)
                .withFocusVersion(config.report().focusVersion());
        if (gatewayCost != null) {
            monthly = monthly.withGatewayCost(gatewayCost.rows());
        }
        if (bills != null) {
            monthly = monthly.withProviderBills(bills);
        }
        return config.report().llm() == null
                ? monthly
                : monthly.withLlmNarrative(new LlmNarrative(config.report().llm()));
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        long started = System.nanoTime();
        String requestId = context == null ? null : context.getAwsRequestId();
        Map<String, Object> input = event == null ? Map.of() : event;
        Object m = input.get("month");
        YearMonth month = m == null
                ? YearMonth.from(clock.instant().atZone(ZoneOffset.UTC)).minusMonths(1)
                : YearMonth.parse(m.toString());
        // true or false (JSON or a string, any case): "yes" or 1 read as false would quietly not send the email asked
        // for
        Object forced = input.get("force_email");
        boolean force = forced != null
                && dev.spendgate.report.ReportEnvironment.flag(forced.toString(), false, "event field force_email");
        String prefix = "reports/" + month + "/";
        ProviderBills bills = config.providerBills() ? storedBills(month) : null;
        MonthlyReport.Result r = monthlyReport(bills).run(month, source, store, store, prefix, email, force);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("month", month.toString());
        out.put("prefix", prefix);
        out.put("total_usd", r.figures().totalUsd().toPlainString());
        out.put("calls", r.figures().calls());
        out.put("focus_rows", r.focusRows());
        out.put("chargeback_lines", r.chargeback().lines().size());
        out.put("suspense_lines", r.chargeback().suspense().size());
        out.put("email", r.email().name().toLowerCase(java.util.Locale.ROOT));
        if (!r.emailRefused().isEmpty()) {
            out.put("email_refused", r.emailRefused());
        }
        out.put("timings_ms", r.timingsMs());
        out.put("warnings", r.warnings());
        out.put("narrative", r.narrativeByLlm() ? "llm" : "deterministic");
        out.put("data_quality", r.quality().summaryLine());
        out.put("strict_ok", !r.strictFailure());
        if (bills != null) {
            // status per provider; a month without a complete day yet is not reconciled (the warning says so)
            out.put(
                    "reconciliation",
                    r.reconciliation() == null && !bills.bills().isEmpty()
                            ? r.warnings().stream()
                                    .filter(w -> w.startsWith("provider bills not reconciled"))
                                    .toList()
                            : ProviderBillRows.status(r.reconciliation(), bills.noBillData()));
            out.put("provider_bill_usd", r.providerBillRowsUsd().toPlainString());
        }
        if (r.strictFailure() || r.quality().noData()) {
            // the scheduled run has no exit code to fail: it says so in the log and to the alert topic
            String message = (r.quality().noData() ? "No usage in " + month + ". " : "")
                    + r.quality().summaryLine() + " Details: s3 " + prefix + MonthlyReport.DATA_QUALITY;
            LOG.warn("report.data_quality")
                    .requestId(requestId)
                    .field("month", month.toString())
                    .field("no_data", r.quality().noData())
                    .field("damaged_objects", r.quality().damagedObjects())
                    .field("quarantined_records", r.quality().quarantinedCount())
                    .log("monthly report data quality: " + message);
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
        if (!r.emailRefused().isEmpty() && alerts != null) {
            // the others have the report; these recipients do not, and nobody would notice from the schedule alone
            alerts.send(new AlertSink.Notice(
                    "Spendgate report " + month + ": email refused for "
                            + r.emailRefused().size() + " recipients",
                    "The " + month + " report email went to the other recipients; the mail service refused "
                            + String.join(", ", r.emailRefused()) + ". Correct SPENDGATE_REPORT_EMAIL_TO and forward"
                            + " the email, or send them the files under s3 " + prefix,
                    Map.of("month", month.toString(), "email_refused", String.join(",", r.emailRefused()))));
        }
        for (String warning : r.warnings()) {
            LOG.warn("report.warning")
                    .requestId(requestId)
                    .field("month", month.toString())
                    .log(warning);
        }
        LOG.info("report.written")
                .requestId(requestId)
                .durationMs((System.nanoTime() - started) / 1_000_000)
                .field("month", month.toString())
                .field("prefix", prefix)
                .field("total_usd", r.figures().totalUsd())
                .field("calls", r.figures().calls())
                .field("focus_rows", r.focusRows())
                .field("chargeback_lines", r.chargeback().lines().size())
                .field("suspense_lines", r.chargeback().suspense().size())
                .field("email", out.get("email").toString())
                .field("narrative", out.get("narrative").toString())
                .field("strict_ok", !r.strictFailure())
                .field("warnings", r.warnings().size())
                .log("monthly report written");
        return out;
    }

    /**
     * The bill lines the daily reconcile job stored for {@code month} ({@link StoredBills}); a provider it stored
     * nothing for is stated as having no bill data.
     */
    private ProviderBills storedBills(YearMonth month) {
        Map<BillSource, ProviderBill> stored = StoredBills.read(store, month);
        Map<BillSource, String> none = new EnumMap<>(BillSource.class);
        for (BillSource s : BillSource.values()) {
            if (!stored.containsKey(s)) {
                none.put(s, NOT_STORED);
            }
        }
        LOG.info("report.provider_bills")
                .field("month", month.toString())
                .field(
                        "providers",
                        String.join(
                                ",",
                                stored.keySet().stream().map(BillSource::id).toList()))
                .log("provider bills read for the reconciliation: " + stored.size());
        return new ProviderBills(
                List.copyOf(stored.values()), config.reconcileThresholdPercent(), config.gatewayAccounts(), none);
    }

    static MonthlyUsageSource athena(ReportRunnerConfig config, AwsClients aws) {
        AthenaMonthlyUsageSource athena = new AthenaMonthlyUsageSource(
                AthenaMonthlyUsageSource.client(aws),
                new AthenaMonthlyUsageSource.Settings(
                        config.athenaDatabase(),
                        config.athenaTable(),
                        config.athenaWorkgroup(),
                        config.athenaOutput(),
                        null));
        return athena.withTableCreatedOnFirstLoad(config.bucket());
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
