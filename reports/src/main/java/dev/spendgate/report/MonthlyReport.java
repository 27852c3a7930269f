package dev.spendgate.report;

import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.gatewaycost.GatewayWork;
import dev.spendgate.domain.outcome.Outcome;
import dev.spendgate.domain.outcome.OutcomeLog;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.report.Chargeback;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.report.DataQuality;
import dev.spendgate.domain.report.FactSheet;
import dev.spendgate.domain.report.FocusCharge;
import dev.spendgate.domain.report.FocusCharges;
import dev.spendgate.domain.report.MailTransport;
import dev.spendgate.domain.report.MonthlyFigures;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.report.Narrative;
import dev.spendgate.domain.report.PreviousMonth;
import dev.spendgate.domain.report.Recovery;
import dev.spendgate.domain.report.WasteSummary;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.store.ObjectStoreException;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.waste.DayAggregates;
import dev.spendgate.domain.waste.FindingLifecycle;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.domain.waste.WasteAnalyzer;
import dev.spendgate.domain.waste.WasteReport;
import dev.spendgate.domain.waste.WasteWindow;
import dev.spendgate.report.actions.BreakerAdvice;
import dev.spendgate.report.actions.TopActions;
import dev.spendgate.report.chargeback.ChargebackCsvWriter;
import dev.spendgate.report.email.ReportEmail;
import dev.spendgate.report.email.ReportEmailText;
import dev.spendgate.report.focus.FocusCsvWriter;
import dev.spendgate.report.focus.FocusMetadata;
import dev.spendgate.report.focus.FocusVersion;
import dev.spendgate.report.gatewaycost.DataTransferOut;
import dev.spendgate.report.gatewaycost.GatewayCostRows;
import dev.spendgate.report.narrative.LlmNarrative;
import dev.spendgate.report.pdf.ActionsSection;
import dev.spendgate.report.pdf.BoardReportPdf;
import dev.spendgate.report.pdf.ReconciliationSection;
import dev.spendgate.report.quality.DataQualityJson;
import dev.spendgate.report.reconcile.ProviderBillRows;
import dev.spendgate.report.reconcile.ProviderBills;
import dev.spendgate.report.reconcile.ReconcileRun;
import dev.spendgate.report.reconcile.ReconciliationCsv;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Produces a month's finance report: {@value #FOCUS}, {@value #CHARGEBACK} and {@value #PDF} under an output prefix,
 * and emails them once. The CSVs are byte-for-byte the same on every run over the same usage; the email goes only
 * if the month has no {@value #SENT_MARKER} marker under {@code reports/YYYY-MM/} in the data store (or when forced), so
 * writing the files to another directory does not send the month again. Before sending, a run claims the month's email
 * ({@link #claimKey}, written only if absent), so of two overlapping runs one sends; a failed send gives the claim back,
 * unless it may have delivered the email ({@link MailTransport.MailException#maybeSent()}: the whole message left and
 * its answer was lost), which keeps the claim, marks it {@code maybe_sent_at} and fails the run, so no retry sends again.
 * A run that finds the claim taken and no marker fails (its retry finds the marker of a run still sending; a run that
 * died after its claim ends on the dead-letter queue and its alarm), rather than end quietly with no email sent.
 */
public final class MonthlyReport {
    public static final String FOCUS = "focus-1.1.csv";
    public static final String CHARGEBACK = "chargeback.csv";
    public static final String PDF = "board-report.pdf";
    public static final String DATA_QUALITY = "data-quality.json";
    public static final String SENT_MARKER = "email-sent.json";
    /** Usage objects fetched ahead when the report builds a day aggregate, as the waste detector does. */
    static final int WASTE_FETCH_AHEAD = 8;

    private static final com.fasterxml.jackson.databind.ObjectMapper MARKER_JSON =
            new com.fasterxml.jackson.databind.ObjectMapper();

    private final Settings settings;
    private final Clock clock;
    private final LlmNarrative llm;
    private final GatewayCostRows gatewayCost;
    private final ProviderBills bills;
    private final FocusVersion focusVersion;

    private MonthlyReport(
            Settings settings,
            Clock clock,
            LlmNarrative llm,
            GatewayCostRows gatewayCost,
            ProviderBills bills,
            FocusVersion focusVersion) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.llm = llm;
        this.gatewayCost = gatewayCost;
        this.bills = bills;
        this.focusVersion = Objects.requireNonNull(focusVersion, "focusVersion");
    }

    public static MonthlyReport create(Settings settings, Clock clock) {
        return new MonthlyReport(settings, clock, null, null, null, FocusVersion.DEFAULT);
    }

    /**
     * This report reconciled against the providers' bills: a reconciliation section in the PDF, what the providers
     * billed beyond the gateway's metering as FOCUS rows tagged {@code x_CostSource=provider_bill}, and
     * {@code reconciliation.csv} beside the other files.
     */
    public MonthlyReport withProviderBills(ProviderBills providerBills) {
        return new MonthlyReport(
                settings,
                clock,
                llm,
                gatewayCost,
                Objects.requireNonNull(providerBills, "providerBills"),
                focusVersion);
    }

    /** This report with its FOCUS file in {@code version} (1.1 unless asked). */
    public MonthlyReport withFocusVersion(FocusVersion version) {
        return new MonthlyReport(settings, clock, llm, gatewayCost, bills, version);
    }

    /**
     * This report with the narrative drafted by an LLM through Spendgate, used only when every number in the draft is
     * one of the figures (else the deterministic narrative stays, and a warning says why).
     */
    public MonthlyReport withLlmNarrative(LlmNarrative narrative) {
        return new MonthlyReport(
                settings, clock, Objects.requireNonNull(narrative, "narrative"), gatewayCost, bills, focusVersion);
    }

    /**
     * This report with the gateway's own AWS cost, estimated per day from the calls: extra FOCUS rows (ProviderName
     * Amazon Web Services, marked estimated) and a line in the board report and email. The AI spend totals stay as
     * they are.
     */
    public MonthlyReport withGatewayCost(GatewayCostRows rows) {
        return new MonthlyReport(settings, clock, llm, Objects.requireNonNull(rows, "rows"), bills, focusVersion);
    }

    /**
     * What a report is computed from.
     *
     * @param contracted the prices calls are charged at (bundled catalog plus overrides)
     * @param list public list prices
     */
    public record Settings(
            PricingCatalog contracted,
            PricingCatalog list,
            ChargebackRules rules,
            List<BudgetPolicy> budgets,
            FocusCsvWriter.Settings focus,
            Governance governance) {
        public Settings {
            Objects.requireNonNull(contracted, "contracted");
            Objects.requireNonNull(list, "list");
            rules = rules == null ? ChargebackRules.NONE : rules;
            budgets = budgets == null ? List.of() : List.copyOf(budgets);
            focus = focus == null ? FocusCsvWriter.Settings.DEFAULT : focus;
            governance = governance == null ? Governance.UNKNOWN : governance;
        }

        /** Settings whose in-report waste analysis does not know the keys (ungoverned-key findings are left out). */
        public Settings(
                PricingCatalog contracted,
                PricingCatalog list,
                ChargebackRules rules,
                List<BudgetPolicy> budgets,
                FocusCsvWriter.Settings focus) {
            this(contracted, list, rules, budgets, focus, null);
        }
    }

    /** Who gets the email and how it travels; {@code linkFor} gives a URL for a file when attachments are too big. */
    public record Email(
            String from,
            List<String> to,
            long maxAttachmentBytes,
            MailTransport transport,
            Function<String, String> linkFor) {
        public Email {
            if (from == null || from.isBlank()) {
                throw new IllegalArgumentException("the report email needs a sender address");
            }
            to = List.copyOf(to);
            if (to.isEmpty()) {
                throw new IllegalArgumentException("the report email needs at least one recipient");
            }
            Objects.requireNonNull(transport, "transport");
            Objects.requireNonNull(linkFor, "linkFor");
        }
    }

    /** What became of the email. */
    public enum EmailStatus {
        SENT,
        ALREADY_SENT,
        NOT_CONFIGURED
    }

    /**
     * What a run produced, with how long each step took; {@code emailRefused} names the recipients the mail service
     * refused when the email went to the others.
     */
    public record Result(
            YearMonth month,
            MonthlyFigures figures,
            int focusRows,
            BigDecimal focusBilledTotalUsd,
            Chargeback chargeback,
            Map<String, Integer> fileSizes,
            EmailStatus email,
            boolean emailUsedLinks,
            Map<String, Long> timingsMs,
            List<String> warnings,
            boolean narrativeByLlm,
            DataQuality quality,
            String focusFile,
            Reconciliation reconciliation,
            BigDecimal providerBillRowsUsd,
            List<TopActions.Action> actions,
            List<BreakerAdvice.Advice> breakers,
            List<String> emailRefused) {

        /** True when {@code report --strict} must fail: input was damaged or records were quarantined. */
        public boolean strictFailure() {
            return quality.damagedOrQuarantined();
        }
    }

    /**
     * Runs the report.
     *
     * @param data where outcomes ({@code outcomes/v1/}) and waste summaries ({@code findings/}) live
     * @param out where the files go, under {@code outPrefix} (e.g. {@code reports/2026-11/}, or "" for a directory)
     * @param email null to skip email
     */
    public Result run(
            YearMonth month,
            MonthlyUsageSource source,
            ObjectStore data,
            ObjectStore out,
            String outPrefix,
            Email email,
            boolean forceEmail) {
        Map<String, Long> timings = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        List<String> warnings = new ArrayList<>();
        List<Outcome> outcomes;
        try {
            OutcomeLog.Read read = OutcomeLog.create(data).readAll(month);
            outcomes = read.outcomes();
            if (!read.unreadable().isEmpty()) {
                // left out of cost per outcome: said, so the per-outcome figure is not read as complete
                warnings.add("outcomes: " + read.unreadable().size() + " objects could not be read and are left out"
                        + " of cost per outcome: "
                        + String.join(
                                ", ",
                                read.unreadable()
                                        .subList(
                                                0,
                                                Math.min(10, read.unreadable().size())))
                        + (read.unreadable().size() > 10 ? ", ..." : ""));
            }
        } catch (ObjectStoreException e) {
            // Outcomes only add cost per outcome; the month's money must still be reported.
            outcomes = List.of();
            warnings.add("outcomes could not be read (" + e.getMessage() + "); cost per outcome is left out");
        }
        // Waste: where the daily detector runs (its findings for the month are stored), the calendar month from its
        // day aggregates (days it has not built, or whose usage changed since, built from the log); else an analysis
        // sharing this report's read pass.
        long tw = System.nanoTime();
        WasteReport calendar = calendarWaste(data, month, warnings);
        if (calendar != null) {
            timings.put("waste", (System.nanoTime() - tw) / 1_000_000);
            t0 = System.nanoTime();
        }
        Optional<WasteSummary.Analysis> storedBefore = WasteSummary.stored(data, month.minusMonths(1));
        // with the chargeback rules, so each finding's owner carries its cost centre (the top actions show it)
        WasteAnalyzer analyzer = WasteAnalyzer.create(settings.contracted(), settings.governance(), clock)
                .withChargebackRules(settings.rules());
        WasteAnalyzer.Pass passNow = calendar == null && source.streamsRecords() ? analyzer.newPass() : null;
        WasteAnalyzer.Pass passBefore = storedBefore.isEmpty() && source.streamsRecords() ? analyzer.newPass() : null;
        BreakerAdvice breakers = source.streamsRecords() ? new BreakerAdvice() : null;
        // primed by the hour before the month, as the detector's own passes are (WasteAnalyzer#analyze)
        warmUp(analyzer, data, month, passNow);
        warmUp(analyzer, data, month.minusMonths(1), passBefore);
        MonthlyUsage usage = source.load(
                month,
                MonthlyFigures.sessionsOf(outcomes),
                MonthlyFigures.requestsOf(outcomes),
                tap(passNow, breakers),
                CostCheck.against(settings.contracted()));
        DataQuality quality = usage.quality();
        quality.state(stateOf(month));
        if (!quality.recordsChecked()) {
            quality.aggregated(
                    usage.cells().values().stream()
                            .mapToLong(dev.spendgate.domain.report.CellTotals::calls)
                            .sum(),
                    // estimated: priced on tokens the gateway counted itself, or charged at the worst case
                    usage.cells().values().stream()
                            .mapToLong(c -> c.estimatedTokenCalls() + c.worstCaseCalls())
                            .sum(),
                    usage.cells().values().stream()
                            .map(c -> c.estimatedTokenUsd().add(c.worstCaseUsd()))
                            .reduce(java.math.BigDecimal.ZERO, java.math.BigDecimal::add),
                    usage.cells().values().stream()
                            .mapToLong(dev.spendgate.domain.report.CellTotals::worstCaseCalls)
                            .sum(),
                    usage.cells().values().stream()
                            .map(dev.spendgate.domain.report.CellTotals::worstCaseUsd)
                            .reduce(java.math.BigDecimal.ZERO, java.math.BigDecimal::add));
        }
        long t1 = System.nanoTime();
        timings.put("aggregate", (t1 - t0) / 1_000_000);
        // the outcomes' sessions and requests in the month before too: an outcome posted just after a month's end
        // names a session that ran before it (one month back, no further)
        MonthlyUsage before = source.load(
                month.minusMonths(1),
                MonthlyFigures.sessionsOf(outcomes),
                MonthlyFigures.requestsOf(outcomes),
                passBefore == null ? r -> {} : passBefore::accept,
                CostCheck.against(settings.contracted()));
        usage.addTrackedOf(before);
        PreviousMonth previous = PreviousMonth.of(before);
        long t2 = System.nanoTime();
        timings.put("previous_month", (t2 - t1) / 1_000_000);
        WasteReport reportNow = calendar != null ? calendar : finish(passNow, usage);
        WasteSummary.Analysis wasteNow = reportNow == null
                ? null
                : calendar != null
                        ? WasteSummary.of(calendar, calendarSource(calendar.window()))
                        : WasteSummary.of(reportNow);
        WasteSummary.Analysis wasteBefore = storedBefore.orElseGet(() -> analysis(passBefore, before));
        WasteSummary waste = wasteNow == null ? null : waste(data, wasteNow, wasteBefore, before, usage, warnings);
        MonthlyFigures figures = MonthlyFigures.compared(
                usage, previous, settings.budgets(), waste, outcomes, settings.contracted(), clock.instant());
        // outcomes naming an id no call carries lower cost per outcome: stated with the month's data quality
        quality.outcomesMatchedToNoCall(figures.outcomes().stream()
                .mapToLong(MonthlyFigures.OutcomeCost::unmatched)
                .sum());

        List<TopActions.Action> actions =
                reportNow != null ? TopActions.of(reportNow.findings(), TopActions.COUNT) : List.of();
        List<BreakerAdvice.Advice> breakerAdvice = breakers == null ? List.of() : breakers.advice();
        actions = TopActions.withBreakers(actions, breakerAdvice);
        Reconciliation reconciliation = reconcile(month, usage, quality, warnings);
        List<FocusCharge> charges = new ArrayList<>(FocusCharges.of(usage, settings.contracted(), settings.list()));
        // the gateway's own AWS cost, per day of the metered calls (before any provider-bill rows join them)
        Map<java.time.LocalDate, GatewayWork> gatewayWork = gatewayWork(usage);
        List<FocusCharge> gatewayRows = gatewayCost == null
                ? List.of()
                : concat(
                        gatewayCost.focusChargesFor(month, clock.instant(), gatewayWork),
                        gatewayCost.dataTransferCharges(tokensOutPerDay(usage)));
        ReconciliationSection.Figures beyond = null;
        if (reconciliation != null) {
            beyond = new ReconciliationSection.Figures(
                    reconciliation,
                    ProviderBillRows.focusCharges(reconciliation, bills.gatewayAccounts()),
                    bills.noBillData(),
                    ReconcileRun.leftOut(usage));
            charges.addAll(beyond.billRows());
        }
        charges.addAll(gatewayRows);
        String focusFile = focusVersion.fileName();
        byte[] focus = FocusCsvWriter.create(settings.focus(), focusVersion).write(month, charges);
        byte[] focusMetadata = FocusMetadata.write(
                focusVersion,
                month,
                focusVersion.columns(),
                focusFile,
                charges.size(),
                clock.instant(),
                provenance(beyond != null, !gatewayRows.isEmpty()));
        long t3 = System.nanoTime();
        timings.put("focus", (t3 - t2) / 1_000_000);
        // what the providers billed beyond the metering gets suspense lines, so chargeback.csv totals the FOCUS bill
        // and so does the gateway's own AWS cost estimate, one line per AWS service
        Chargeback chargeback = Chargeback.of(
                usage,
                settings.rules(),
                beyond == null ? List.of() : billedBeyond(beyond.billRows()),
                gatewayCosts(gatewayRows));
        byte[] chargebackCsv = ChargebackCsvWriter.write(chargeback);
        long t4 = System.nanoTime();
        timings.put("chargeback", (t4 - t3) / 1_000_000);
        List<String> narrative = Narrative.of(figures, quality);
        String narrativeNote = null;
        if (llm != null && !quality.noData()) {
            LlmNarrative.Draft draft = llm.draft(FactSheet.of(figures));
            if (draft.accepted()) {
                narrative = draft.paragraphs();
                narrativeNote = "Summary drafted by an LLM through Spendgate from the figures below; every number in it"
                        + " was checked against them.";
            } else {
                warnings.add("LLM narrative not used: " + draft.rejection() + "; the deterministic narrative is");
            }
        }
        if (gatewayCost != null && (!quality.noData() || !gatewayRows.isEmpty())) {
            // (a month without calls still has the stack's fixed fees, and on managed instances its fleet)
            // the total cost of AI is the FOCUS file's BilledCost total: with provider bills, what they billed
            // beyond the metering too
            narrative = concat(
                    narrative,
                    List.of(gatewayCost.boardLine(
                            gatewayRows,
                            figures.calls(),
                            figures.totalUsd(),
                            beyond == null ? null : beyond.beyondMeteringUsd())));
        }
        List<BoardReportPdf.Section> front = new ArrayList<>();
        List<BoardReportPdf.Section> back = new ArrayList<>();
        if (beyond != null) {
            front.add(ReconciliationSection.summary(beyond));
            back.add(ReconciliationSection.details(beyond));
        } else if (bills != null && bills.bills().isEmpty()) {
            front.add(ReconciliationSection.noBills(bills.noBillData()));
        }
        front.add(ActionsSection.topActions(actions));
        back.add(ActionsSection.breakers(breakerAdvice));
        byte[] pdf = BoardReportPdf.render(figures, narrative, narrativeNote, quality, front, back);
        byte[] qualityJson = DataQualityJson.write(
                month,
                quality,
                clock.instant(),
                gatewayCost == null
                        ? null
                        : new DataQualityJson.GatewayEstimate(
                                gatewayCost.computeMode(),
                                gatewayCost.basis(),
                                GatewayCostRows.total(gatewayRows),
                                gatewayRows.size(),
                                GatewayWork.summed(gatewayWork.values())));
        long t5 = System.nanoTime();
        timings.put("pdf", (t5 - t4) / 1_000_000);

        byte[] reconciliationCsv = reconciliation == null
                ? null
                : ReconciliationCsv.write(reconciliation, bills.origins(), ReconcileRun.leftOut(usage))
                        .getBytes(StandardCharsets.UTF_8);
        BigDecimal billed = BigDecimal.ZERO;
        for (FocusCharge c : charges) {
            billed = billed.add(c.billedCost());
        }
        billed = billed.stripTrailingZeros();
        Map<String, byte[]> written = new LinkedHashMap<>();
        written.put(focusFile, focus);
        written.put(FocusMetadata.FILE, focusMetadata);
        written.put(CHARGEBACK, chargebackCsv);
        written.put(PDF, pdf);
        written.put(DATA_QUALITY, qualityJson);
        if (reconciliationCsv != null) {
            written.put(ReconciliationCsv.FILE_NAME, reconciliationCsv);
        }
        MonthManifest.Run replaced = lastRun(out, outPrefix, warnings);
        if (replaced != null && !replaced.month().equals(month)) {
            // a directory of another month's run (the CLI's --out): its files stay beside this month's
            warnings.add("the output location held the " + replaced.month() + " report's files; those this run does"
                    + " not write stay there beside the " + month + " files");
            replaced = null;
        }
        Map<String, Integer> sizes = new LinkedHashMap<>();
        written.forEach((name, bytes) -> {
            out.put(outPrefix + name, bytes);
            sizes.put(name, bytes.length);
        });
        // last: until it is written, the manifest there is the last complete run's, which a file of this run written
        // before a failure does not match
        byte[] manifest = MonthManifest.write(month, quality.state().key(), clock.instant(), billed, written, replaced);
        out.put(outPrefix + MonthManifest.FILE, manifest);
        sizes.put(MonthManifest.FILE, manifest.length);
        ReportEmailText.Correction replacedFiles = ReportEmailText.correction(replaced, quality.state(), billed);
        if (replacedFiles != null) {
            warnings.add("this run replaces the " + month + " files of " + replacedFiles.earlierGeneratedAt()
                    + ", whose FOCUS BilledCost total was "
                    + replacedFiles.earlierTotalUsd().toPlainString() + " USD; now "
                    + billed.toPlainString() + " USD (records that arrived since, or changed prices): anyone holding"
                    + " the earlier files or email has other figures");
        }

        EmailStatus status = EmailStatus.NOT_CONFIGURED;
        boolean links = false;
        List<String> refused = List.of();
        if (email != null) {
            String marker = sentMarkerKey(month);
            String claim = claimKey(month, quality.state());
            Optional<byte[]> earlier = forceEmail ? forcedReadOfMarker(data, marker, warnings) : data.get(marker);
            Optional<byte[]> sent = forceEmail ? Optional.empty() : earlier;
            if (sent.filter(m -> blocks(m, quality.state())).isPresent()) {
                status = EmailStatus.ALREADY_SENT;
            } else if (!forceEmail && !data.putIfAbsent(claim, record(month, quality, email, "claimed_at"))) {
                // another run (a doubled delivery, a retry of a run that sent) holds the month's email
                if (data.get(marker).filter(m -> blocks(m, quality.state())).isEmpty()) {
                    String maybeSentAt = maybeSentAt(data, claim);
                    if (maybeSentAt != null) {
                        throw new IllegalStateException("report email for " + month + " not sent again: the run of "
                                + maybeSentAt + " handed the whole message to the mail service and lost its answer"
                                + " (" + claim + "), so finance may have it. " + MAYBE_SENT_ADVICE);
                    }
                    // and nothing says it was sent: the other run is still sending, died before sending, or sent
                    // and could not write the marker. Failing makes Lambda retry (finding the marker once a live run
                    // has written it) and, if none does, puts the run on the dead-letter queue, whose alarm tells
                    // the operators; succeeding with a warning left finance without the month's email unnoticed.
                    throw new IllegalStateException("report email for " + month + " not sent: " + claim
                            + " shows another run took it and no " + marker + " records its send. If that run is"
                            + " still sending, a retry in a minute finds its marker; if not, check whether finance"
                            + " has the email and, if not, run the report again with the email forced");
                }
                status = EmailStatus.ALREADY_SENT;
            } else {
                List<ReportEmail.Attachment> files = new ArrayList<>();
                files.add(new ReportEmail.Attachment(PDF, "application/pdf", pdf));
                files.add(new ReportEmail.Attachment(focusFile, "text/csv", focus));
                files.add(new ReportEmail.Attachment(CHARGEBACK, "text/csv", chargebackCsv));
                files.add(new ReportEmail.Attachment(DATA_QUALITY, "application/json", qualityJson));
                files.add(new ReportEmail.Attachment(FocusMetadata.FILE, "application/json", focusMetadata));
                if (reconciliationCsv != null) {
                    files.add(new ReportEmail.Attachment(ReconciliationCsv.FILE_NAME, "text/csv", reconciliationCsv));
                }
                // the email says what it corrects only when finance holds an earlier one of the month
                ReportEmailText.Correction correction = ReportEmailText.emailCorrection(
                        earlier.map(m -> sentEmail(m, quality.state())).orElse(null),
                        replaced,
                        quality.state(),
                        billed);
                try {
                    ReportEmail.Composed message = ReportEmail.compose(
                            email.from(),
                            email.to(),
                            ReportEmailText.subject(figures, quality, beyond, correction),
                            ReportEmailText.body(narrative, figures, quality, beyond, correction),
                            files,
                            email.maxAttachmentBytes(),
                            name -> email.linkFor().apply(outPrefix + name),
                            Date.from(clock.instant()));
                    refused = email.transport()
                            .send(email.from(), email.to(), message.rawMime())
                            .refused();
                    links = message.linksInsteadOfAttachments();
                } catch (MailTransport.MailException e) {
                    if (e.maybeSent()) {
                        // the whole message left and its answer was lost: the mail service may be delivering it, so
                        // the claim stays (a retry must not send it again) and the run fails towards the dead-letter
                        // queue, whose alarm has an operator check with finance
                        throw maybeSent(data, claim, month, quality, email, forceEmail, e);
                    }
                    if (!forceEmail) {
                        release(data, claim, e);
                    }
                    throw e;
                } catch (RuntimeException e) {
                    if (!forceEmail) {
                        release(data, claim, e);
                    }
                    throw e;
                }
                status = EmailStatus.SENT;
                if (!refused.isEmpty()) {
                    warnings.add("report email sent to " + (email.to().size() - refused.size()) + " of "
                            + email.to().size() + " recipients; the mail service refused " + String.join(", ", refused)
                            + ": correct SPENDGATE_REPORT_EMAIL_TO, and forward the email to them");
                }
                try {
                    data.put(marker, record(month, quality, email, "sent_at", billed));
                } catch (ObjectStoreException e) {
                    // the email went: failing the run now would make Lambda's retry send it again
                    warnings.add("report email sent, but " + marker + " not written (" + e.getMessage() + "); " + claim
                            + " still stops a second email");
                }
            }
        }
        timings.put("email", (System.nanoTime() - t5) / 1_000_000);
        if (usage.readStats() != null) {
            UsageLogReader.ReadStats stats = usage.readStats();
            if (stats.malformedLines() + stats.unreadableObjects() + stats.duplicates() > 0) {
                warnings.add("usage log: skipped " + stats.unreadableObjects() + " damaged objects, "
                        + stats.malformedLines() + " unreadable records and " + stats.duplicates()
                        + " repeated request ids");
            }
        }
        return new Result(
                month,
                figures,
                charges.size(),
                billed,
                chargeback,
                sizes,
                status,
                links,
                timings,
                List.copyOf(warnings),
                narrativeNote != null,
                quality,
                focusFile,
                reconciliation,
                beyond == null ? BigDecimal.ZERO : beyond.beyondMeteringUsd(),
                actions,
                breakerAdvice,
                refused);
    }

    /** The run the month's stored manifest describes; null when there is none or it cannot be read (said). */
    private static MonthManifest.Run lastRun(ObjectStore out, String outPrefix, List<String> warnings) {
        Optional<byte[]> stored;
        try {
            stored = out.get(outPrefix + MonthManifest.FILE);
        } catch (ObjectStoreException e) {
            warnings.add(MonthManifest.FILE + " of the last run could not be read (" + e.getMessage()
                    + "); this run's manifest does not say what it replaced");
            return null;
        }
        return stored.flatMap(MonthManifest::read).orElse(null);
    }

    /**
     * The month's reconciliation when provider bills were given: the whole month once it is over, through yesterday
     * while it runs (null, with a warning, before its first complete day).
     */
    private Reconciliation reconcile(YearMonth month, MonthlyUsage usage, DataQuality quality, List<String> warnings) {
        if (bills == null) {
            return null;
        }
        if (bills.bills().isEmpty()) {
            warnings.add("provider bills not reconciled: no bill data for " + month + " ("
                    + String.join("; ", ProviderBillRows.status(null, bills.noBillData())) + ")");
            return null;
        }
        java.time.LocalDate through = null;
        if (quality.state() != DataQuality.MonthState.COMPLETE) {
            through = clock.instant()
                    .atZone(java.time.ZoneOffset.UTC)
                    .toLocalDate()
                    .minusDays(1);
            if (through.isBefore(month.atDay(1))) {
                warnings.add("provider bills not reconciled: " + month + " has no complete day yet");
                return null;
            }
        }
        Reconciliation r = bills.reconcile(settings.contracted(), usage, through);
        r.warnings().forEach(w -> warnings.add("reconciliation: " + w));
        return r;
    }

    /** The provider-bill FOCUS rows as chargeback amounts, by provider, provider account and reconciliation class. */
    /** The gateway's own AWS cost rows as chargeback amounts: one source per AWS service. */
    private static List<Chargeback.Unallocated> gatewayCosts(List<FocusCharge> gatewayRows) {
        return gatewayRows.stream()
                .map(row -> new Chargeback.Unallocated(
                        "gateway's own AWS cost ("
                                + row.provider().substring(GatewayCostRows.PROVIDER_PREFIX.length())
                                + "): estimated, not allocated to departments",
                        row.billedCost()))
                .toList();
    }

    private static List<Chargeback.BilledBeyond> billedBeyond(List<FocusCharge> billRows) {
        return billRows.stream()
                .map(row -> new Chargeback.BilledBeyond(
                        row.provider(),
                        row.tags().get(ProviderBillRows.ACCOUNT_TAG),
                        row.tags().get(ProviderBillRows.CLASS_TAG),
                        row.billedCost()))
                .toList();
    }

    private static java.util.function.Consumer<dev.spendgate.domain.usage.UsageRecord> tap(
            WasteAnalyzer.Pass pass, BreakerAdvice breakers) {
        if (pass == null && breakers == null) {
            return r -> {};
        }
        if (pass == null) {
            return breakers;
        }
        if (breakers == null) {
            return pass::accept;
        }
        return r -> {
            pass.accept(r);
            breakers.accept(r);
        };
    }

    /**
     * The waste summary with recovery measured per resolved finding: the stored life cycle moved on by the previous
     * and this month's analyses, saved back beside the findings.
     */
    private WasteSummary waste(
            ObjectStore data,
            WasteSummary.Analysis now,
            WasteSummary.Analysis previous,
            MonthlyUsage before,
            MonthlyUsage usage,
            List<String> warnings) {
        FindingLifecycle stored = FindingLifecycle.load(data);
        stored.notes().forEach(note -> warnings.add("finding life cycle: " + note));
        FindingLifecycle lifecycle = stored;
        boolean known = !lifecycle.entries().isEmpty() || previous != null && previous.windowEnd() != null;
        if (previous != null && previous.windowEnd() != null) {
            lifecycle = lifecycle.after(previous.findings(), previous.windowEnd());
        }
        if (now.windowEnd() != null) {
            lifecycle = lifecycle.after(now.findings(), now.windowEnd());
        }
        Instant applied = latest(previous == null ? null : previous.windowEnd(), now.windowEnd());
        if (applied == null) {
            // no analysis taken in: nothing to save
        } else if (stored.unsaveable().isPresent()) {
            warnings.add("finding life cycle not saved: " + stored.unsaveable().get());
        } else if (stored.analysedThrough() != null && applied.isBefore(stored.analysedThrough())) {
            // a re-run of an earlier month: its analyses would move later states back (a finding resolved in
            // November open again); the stored life cycle stays as the later analysis left it
            warnings.add("finding life cycle not saved: it already takes in the analysis through "
                    + stored.analysedThrough() + ", later than this report's");
        } else {
            try {
                lifecycle.save(data, clock.instant());
            } catch (ObjectStoreException e) {
                warnings.add("finding life cycle not saved (" + e.getMessage() + ")");
            }
        }
        return WasteSummary.withRecovery(now, known ? Recovery.of(lifecycle, before, usage, clock.instant()) : null);
    }

    private static Instant latest(Instant a, Instant b) {
        return a == null ? b : b == null || a.isAfter(b) ? a : b;
    }

    private DataQuality.MonthState stateOf(YearMonth month) {
        YearMonth now = YearMonth.from(clock.instant().atZone(java.time.ZoneOffset.UTC));
        return month.isAfter(now)
                ? DataQuality.MonthState.FUTURE
                : month.equals(now) ? DataQuality.MonthState.RUNNING : DataQuality.MonthState.COMPLETE;
    }

    /**
     * Where a run claims a month's email before sending it: one claim per complete month, and one for its preview
     * (running or future), so a preview's claim does not stop the complete month's email.
     */
    public static String claimKey(YearMonth month, DataQuality.MonthState state) {
        return "reports/" + month + "/email-claim-" + state.key() + ".json";
    }

    /** The JSON of a claim or sent marker: the month, its state, when ({@code at}) and to how many recipients. */
    /**
     * A claim or marker's bytes. Its {@code run_id} makes them this write's own: S3 resends a conditional put whose
     * answer was lost, and tells its own write from another run's by the bytes ({@link ObjectStore#putIfAbsent}).
     */
    private byte[] record(YearMonth month, DataQuality quality, Email email, String at) {
        return record(month, quality, email, at, null);
    }

    /**
     * As {@link #record(YearMonth, DataQuality, Email, String)}; a sent marker also records the FOCUS BilledCost total
     * the email carried ({@code billed_cost_usd}, exact, as a string), which a forced re-send compares its own with.
     */
    private byte[] record(YearMonth month, DataQuality quality, Email email, String at, BigDecimal billedUsd) {
        return ("{\"month\":\"" + month + "\",\"month_state\":\""
                        + quality.state().key() + "\",\"" + at + "\":\"" + clock.instant() + "\",\"recipients\":"
                        + email.to().size()
                        + (billedUsd == null ? "" : ",\"billed_cost_usd\":\"" + billedUsd.toPlainString() + "\"")
                        + ",\"run_id\":\"" + UUID.randomUUID() + "\"}\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A forced run's read of the month's sent marker, which does not stop its email but says whether it corrects one
     * finance holds. A store that cannot be read does not stop the send the operator forced: it is taken as an email
     * sent whose figures are unknown (an empty marker), and said in a warning.
     */
    private static Optional<byte[]> forcedReadOfMarker(ObjectStore data, String marker, List<String> warnings) {
        try {
            return data.get(marker);
        } catch (RuntimeException e) {
            warnings.add(marker + " not read (" + e.getMessage() + "); the forced email is marked a correction if the"
                    + " month's last run had other figures");
            return Optional.of(new byte[0]);
        }
    }

    /**
     * What a sent marker records of the email: when it was sent, for which month state (a marker without one, written
     * before it was recorded, counts as the complete month's, as {@link #blocks} has it) and the total it carried
     * (null in a marker written before the total was recorded). An unreadable marker still records a send, of this
     * run's month state, whose time and total are unknown.
     */
    static ReportEmailText.SentEmail sentEmail(byte[] marker, DataQuality.MonthState state) {
        try {
            com.fasterxml.jackson.databind.JsonNode m = MARKER_JSON.readTree(marker);
            if (m == null || !m.isObject()) {
                return new ReportEmailText.SentEmail(null, state.key(), null);
            }
            String sentFor = m.path("month_state").asText("");
            String sentAt = m.path("sent_at").asText("");
            String total = m.path("billed_cost_usd").asText("");
            return new ReportEmailText.SentEmail(
                    sentAt.isEmpty() ? null : Instant.parse(sentAt),
                    sentFor.isEmpty() ? DataQuality.MonthState.COMPLETE.key() : sentFor,
                    total.isEmpty() ? null : new BigDecimal(total));
        } catch (java.io.IOException | RuntimeException e) {
            return new ReportEmailText.SentEmail(null, state.key(), null);
        }
    }

    /** What an operator does about an email that may have been sent. */
    static final String MAYBE_SENT_ADVICE = "The report files are in place; check whether finance received the email"
            + " and, if not, run the report again with the email forced (force_email, --force-email).";

    /**
     * The failure of a send that may have delivered the email: the claim is kept, and rewritten to say so (its
     * {@code maybe_sent_at}), so this run's retries fail with that reason instead of sending again.
     */
    private RuntimeException maybeSent(
            ObjectStore data,
            String claim,
            YearMonth month,
            DataQuality quality,
            Email email,
            boolean forceEmail,
            MailTransport.MailException failure) {
        MailTransport.MailException thrown = MailTransport.MailException.maybeSent(
                "report email for " + month + " may have been sent: " + failure.getMessage() + ". "
                        + (forceEmail ? "" : claim + " is kept so no retry sends it again. ") + MAYBE_SENT_ADVICE,
                failure);
        if (!forceEmail) {
            try {
                data.put(claim, record(month, quality, email, "maybe_sent_at"));
            } catch (RuntimeException e) {
                thrown.addSuppressed(e); // the claim as written still stops a second email
            }
        }
        return thrown;
    }

    /** When a claim records a send that may have delivered the email; null when it does not (or cannot be read). */
    private static String maybeSentAt(ObjectStore data, String claim) {
        try {
            return data.get(claim)
                    .map(b -> {
                        try {
                            return MARKER_JSON.readTree(b).path("maybe_sent_at").asText(null);
                        } catch (java.io.IOException e) {
                            return null;
                        }
                    })
                    .orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Gives a claim back after a failed send, so a retry can send; a failure to do so rides on the send's. */
    private static void release(ObjectStore data, String claim, RuntimeException sendFailure) {
        try {
            data.delete(claim);
        } catch (RuntimeException e) {
            sendFailure.addSuppressed(new IllegalStateException(
                    claim + " not removed after the failed send: remove it, or run with the email forced", e));
        }
    }

    /**
     * Whether a sent marker stops this run's email: always, unless the marker records a preview of the running (or a
     * future) month and this run is of the complete month, which finance must still get. A marker without a month
     * state (written before it was recorded) counts as the complete month's.
     */
    static boolean blocks(byte[] marker, DataQuality.MonthState state) {
        if (state != DataQuality.MonthState.COMPLETE) {
            return true;
        }
        try {
            String sentFor = MARKER_JSON.readTree(marker).path("month_state").asText("");
            return sentFor.isEmpty() || sentFor.equals(DataQuality.MonthState.COMPLETE.key());
        } catch (java.io.IOException e) {
            // an unreadable marker still records a send: do not send again
            return true;
        }
    }

    /** Where the record of a month's sent email lives in the data store. */
    public static String sentMarkerKey(YearMonth month) {
        return "reports/" + month + "/" + SENT_MARKER;
    }

    /**
     * The month's waste from the daily detector's day aggregates, over the calendar month ({@code [1st, next 1st)}
     * UTC; a running month through yesterday): null where the detector does not run on this data (no findings of it
     * for the month) or the month has no complete day yet. Priced with the contracted catalog (the bundled one with
     * the customer's overrides), as the detector prices its aggregates, so its stored days are reused, not rebuilt at
     * other prices.
     */
    private WasteReport calendarWaste(ObjectStore data, YearMonth month, List<String> warnings) {
        if (WasteSummary.storedKey(data, month).isEmpty()) {
            return null;
        }
        java.time.Instant from =
                month.atDay(1).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
        java.time.Instant next = month.plusMonths(1)
                .atDay(1)
                .atStartOfDay(java.time.ZoneOffset.UTC)
                .toInstant();
        java.time.Instant today = clock.instant()
                .atZone(java.time.ZoneOffset.UTC)
                .toLocalDate()
                .atStartOfDay(java.time.ZoneOffset.UTC)
                .toInstant();
        java.time.Instant to = today.isBefore(next) ? today : next;
        if (!from.isBefore(to)) {
            return null;
        }
        WasteAnalyzer analyzer = WasteAnalyzer.create(settings.contracted(), settings.governance(), clock)
                .withChargebackRules(settings.rules());
        DayAggregates.Outcome outcome = DayAggregates.create(
                        data, analyzer, settings.contracted().version(), WASTE_FETCH_AHEAD)
                .analyze(new WasteWindow(from, to));
        if (!outcome.built().isEmpty()) {
            // a re-run after late records shows why its waste changed; a first run, which days it had to read whole
            warnings.add("waste: " + outcome.built().size() + " day aggregates built from the usage log "
                    + outcome.built() + ": not built by the waste detector yet, or their usage objects changed since"
                    + " (late records), which are now in the waste");
        }
        return outcome.report();
    }

    /** Where a calendar month's waste comes from, in words (the PDF prints it). */
    static String calendarSource(WasteWindow window) {
        return "waste detector's day aggregates of the calendar month, "
                + window.from().atZone(java.time.ZoneOffset.UTC).toLocalDate() + " to "
                + window.to().atZone(java.time.ZoneOffset.UTC).toLocalDate().minusDays(1);
    }

    private static void warmUp(WasteAnalyzer analyzer, ObjectStore data, YearMonth month, WasteAnalyzer.Pass pass) {
        if (pass != null) {
            analyzer.warmUp(
                    data, month.atDay(1).atStartOfDay(java.time.ZoneOffset.UTC).toInstant(), pass);
        }
    }

    private static WasteSummary.Analysis analysis(WasteAnalyzer.Pass pass, MonthlyUsage usage) {
        WasteReport report = finish(pass, usage);
        return report == null ? null : WasteSummary.of(report);
    }

    private static WasteReport finish(WasteAnalyzer.Pass pass, MonthlyUsage usage) {
        if (pass == null || usage.readStats() == null || usage.readStats().records() == 0) {
            return null;
        }
        return pass.finish(new WasteWindow(usage.start(), usage.end()), usage.readStats());
    }

    /** The FOCUS metadata's provenance: null for the default (metering only). */
    private static String provenance(boolean bills, boolean gatewayEstimate) {
        String base = bills ? FocusMetadata.PROVENANCE_WITH_BILLS : null;
        if (!gatewayEstimate) {
            return base;
        }
        return FocusMetadata.withGatewayEstimate(
                base == null ? FocusMetadata.PROVENANCE : base, GatewayCostRows.COST_SOURCE);
    }

    /**
     * Every call of the month per day, the refused and unpriced ones too: each ran the proxy and wrote a record, so
     * each is in the gateway's own cost, as in the board line's count of calls.
     */
    private static Map<java.time.LocalDate, Long> callsPerDay(MonthlyUsage usage) {
        Map<java.time.LocalDate, Long> calls = new java.util.TreeMap<>();
        usage.cells().forEach((cell, totals) -> calls.merge(cell.day(), totals.calls(), Long::sum));
        return calls;
    }

    /**
     * What each day's records say the gateway did (each record priced by what it says: its length, cache outcome,
     * batch); a day known only from pre-aggregated cells without such figures as its calls alone.
     */
    private static Map<java.time.LocalDate, GatewayWork> gatewayWork(MonthlyUsage usage) {
        Map<java.time.LocalDate, GatewayWork> work = new java.util.TreeMap<>();
        callsPerDay(usage).forEach((day, calls) -> {
            GatewayWork recorded = usage.gatewayWork().get(day);
            work.put(day, recorded != null ? recorded : GatewayWork.ofCalls(calls));
        });
        return work;
    }

    /** Each day's calls and the tokens they sent out of AWS: prompts to the providers, answers to the clients. */
    private static Map<java.time.LocalDate, DataTransferOut.Day> tokensOutPerDay(MonthlyUsage usage) {
        Map<java.time.LocalDate, DataTransferOut.Day> days = new java.util.TreeMap<>();
        usage.cells().forEach((cell, totals) -> {
            dev.spendgate.domain.pricing.TokenUsage t = totals.allTokens();
            DataTransferOut.Day day =
                    new DataTransferOut.Day(totals.calls(), t.inputTokens(), t.outputTokens() - t.reasoningTokens());
            days.merge(
                    cell.day(),
                    day,
                    (a, b) -> new DataTransferOut.Day(
                            a.calls() + b.calls(),
                            a.inputTokens() + b.inputTokens(),
                            a.answerTokens() + b.answerTokens()));
        });
        return days;
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
