package dev.spendgate.cli;

import static dev.spendgate.function.proxy.console.Html.count;
import static dev.spendgate.function.proxy.console.Html.esc;
import static dev.spendgate.function.proxy.console.Html.usd;

import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.report.ChargebackRules;
import dev.spendgate.domain.routing.AppliedChange;
import dev.spendgate.domain.routing.GatewayPolicyStore;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageSummary;
import dev.spendgate.domain.waste.EfficiencyScore;
import dev.spendgate.domain.waste.Finding;
import dev.spendgate.domain.waste.FindingLifecycle;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.domain.waste.Owner;
import dev.spendgate.domain.waste.WasteAnalyzer;
import dev.spendgate.domain.waste.WasteReport;
import dev.spendgate.domain.waste.WasteWindow;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.function.proxy.console.FindingsHtml;
import dev.spendgate.function.proxy.console.FindingsPage;
import dev.spendgate.report.ReportEnvironment;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;

/**
 * Waste findings ranked by dollars, with evidence, owner, the recommended change and state (open, resolved,
 * regressed, from the saved life cycle), and the AI Efficiency Score: the analysis of {@code ./spendgate waste} over
 * its default window (the 30 days before today's UTC midnight), kept for five minutes or until a key or budget
 * changes, and dated on the page. Owners are named with the
 * chargeback rules {@code waste} uses ({@link ChargebackRulesFile}; the data directory is the local store's root). The
 * local server's findings page (the CLI carries the analysis; the proxy jar does not).
 */
final class ConsoleFindings implements FindingsPage {
    private static final Duration CACHE_FOR = Duration.ofMinutes(5);
    private static final DateTimeFormatter COMPUTED_AT = DateTimeFormatter.ofPattern(
                    "HH:mm 'UTC' 'on' yyyy-MM-dd", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final ObjectStore store;
    private final KeyStore keys;
    private final BudgetPolicyStore policies;
    private final PricingCatalog pricing;
    private final Clock clock;
    /** Where Apply writes; null: the page only shows findings. */
    private final GatewayPolicyStore policy;

    /** Where {@code chargeback-rules.json} is looked for; null: only {@code SPENDGATE_CHARGEBACK_RULES}. */
    private final Path dataDir;

    private volatile Kept kept;

    /**
     * An analysis as computed {@code at}, over the keys and budgets of {@code governance}.
     *
     * @param rulesProblem why the chargeback rules were not applied; null when they were, or when there are none
     */
    private record Kept(WasteReport report, Instant at, Governance governance, String rulesProblem) {}

    ConsoleFindings(FindingsPage.Sources sources) {
        this(sources, null);
    }

    /** With an Apply button on each finding that carries a ready change to {@code policy}. */
    ConsoleFindings(FindingsPage.Sources sources, GatewayPolicyStore policy) {
        this.policy = policy;
        this.store = sources.store();
        this.keys = sources.keys();
        this.policies = sources.policies();
        this.pricing = sources.pricing();
        this.clock = sources.clock();
        this.dataDir = store instanceof FileSystemObjectStore files ? files.root() : null;
    }

    @Override
    public String render() {
        Kept analysis = analysis();
        WasteReport report = analysis.report();
        Map<String, FindingLifecycle.Entry> states = FindingLifecycle.load(store)
                .after(
                        report.findings().stream()
                                .map(FindingLifecycle.Seen::of)
                                .toList(),
                        report.window().to())
                .entries();
        EfficiencyScore overall = report.overall();
        StringBuilder sb = new StringBuilder("<section class=\"card\" aria-labelledby=\"score-h\">")
                .append("<h2 id=\"score-h\">AI Efficiency Score</h2><p class=\"big\" data-testid=\"efficiency-score\">")
                .append(overall.score())
                .append("/100</p><p>")
                .append(usd(report.monthlySavingsUsd()))
                .append(" per month recoverable; ")
                .append(count(report.callsAnalysed()))
                .append(" calls and ")
                .append(usd(report.spendUsd()))
                .append(" analysed from ")
                .append(esc(report.window().from()))
                .append(" to ")
                .append(esc(report.window().to()))
                .append(" (")
                .append(esc(overall.coveredPercent().toPlainString()))
                .append(" % of spend open to a model, prompt-cache or batch rule).</p>")
                .append("<p class=\"source\" data-testid=\"findings-computed\">Computed at ")
                .append(esc(COMPUTED_AT.format(analysis.at())))
                .append(" from the log up to ")
                .append(esc(report.window().to()))
                .append("; kept for five minutes, computed afresh as soon as a key or budget changes.</p>");
        String problem = analysis.rulesProblem();
        if (problem != null) {
            sb.append("<p class=\"notice error\" role=\"alert\">Chargeback rules not applied, so owners name no cost"
                            + " centre: ")
                    .append(esc(problem))
                    .append("</p>");
        }
        if (report.input().quarantined() > 0) {
            sb.append("<p class=\"source\" data-testid=\"findings-quarantined\">Left out: ")
                    .append(esc(UsageSummary.quarantinedSentence(report.input().quarantinedByReason())))
                    .append(", in no figure here, as the monthly report quarantines them.</p>");
        }
        sb.append(FindingsHtml.skippedInput(
                report.input().unreadableObjects(),
                report.input().malformedLines(),
                report.input().duplicates()));
        sb.append("</section><table data-testid=\"findings-table\"><caption>Findings by monthly dollars</caption>")
                .append("<thead><tr><th scope=\"col\">#</th><th scope=\"col\" class=\"num\">USD / month</th>")
                .append("<th scope=\"col\">Category</th><th scope=\"col\">Scope</th><th scope=\"col\">State</th>")
                .append("<th scope=\"col\">Recommended change</th><th scope=\"col\">Owner</th>")
                .append("<th scope=\"col\">Evidence</th>")
                .append(policy == null ? "" : "<th scope=\"col\">Fix</th>")
                .append("</tr></thead><tbody>");
        int rank = 1;
        for (Finding f : report.findings()) {
            // a life cycle stored before the finding's prompt was part of its id holds it under the old id
            FindingLifecycle.Entry state = states.getOrDefault(f.id(), states.get(Finding.legacyId(f.id())));
            sb.append("<tr><td>")
                    .append(rank++)
                    .append("</td><td class=\"num\">")
                    .append(FindingsHtml.monthlyDollars(f.monthlySavingsUsd(), f.monthlySpendAtRiskUsd()))
                    .append("</td><td>")
                    .append(esc(f.category().label()))
                    .append("</td><td>")
                    .append(esc(f.scopeType() + ":" + f.scopeValue()))
                    .append(f.model() == null ? "" : " (" + esc(f.model()) + ")")
                    .append("</td><td>")
                    .append(state == null ? "open" : esc(state.status().key()))
                    .append("</td><td>")
                    .append(esc(f.recommendation()))
                    .append(f.qualityRisk() == null ? "" : "<br><small>" + esc(f.qualityRisk()) + "</small>")
                    .append("</td><td>")
                    .append(esc(owner(f.owner())))
                    .append("</td><td>")
                    .append(f.evidence().wastefulCalls())
                    .append(" of ")
                    .append(f.evidence().calls())
                    .append(" calls, ")
                    .append(esc(day(f.evidence().firstSeen())))
                    .append(" to ")
                    .append(esc(day(f.evidence().lastSeen())))
                    .append("; e.g. <code>")
                    .append(esc(String.join(
                            ", ",
                            f.evidence().exampleRequestIds().stream().limit(2).toList())))
                    .append("</code></td>");
            if (policy != null) {
                sb.append("<td>");
                if (FindingApply.fix(f, pricing).isPresent()) {
                    sb.append("<a class=\"button\" data-testid=\"apply-finding\" href=\"finding-apply?id=")
                            .append(esc(URLEncoder.encode(f.id(), StandardCharsets.UTF_8)))
                            .append("\">Apply</a>");
                } else {
                    sb.append("-");
                }
                sb.append("</td>");
            }
            sb.append("</tr>");
        }
        if (report.findings().isEmpty()) {
            sb.append("<tr><td colspan=\"9\">No waste found in this window.</td></tr>");
        }
        return sb.append("</tbody></table>")
                .append(FindingsHtml.scoreByFeature(report.features().stream()
                        .map(s -> new FindingsHtml.FeatureScore(
                                s.feature(), s.scored() ? s.score() : null, s.spendUsd(), s.wasteUsd(), s.atRiskUsd()))
                        .toList()))
                .toString();
    }

    @Override
    public Applied apply(String findingId, BigDecimal share, String by, boolean confirm) {
        if (policy == null) {
            return FindingsPage.super.apply(findingId, share, by, confirm);
        }
        WasteReport report = analysis().report();
        FindingApply.Plan plan;
        try {
            plan = FindingApply.plan(
                    report,
                    findingId,
                    share,
                    pricing,
                    policy,
                    store,
                    report.window().from(),
                    report.window().to());
        } catch (FindingApply.Refused e) {
            return new Applied(
                    404,
                    "<section class=\"card\"><h2>Cannot apply</h2><p role=\"alert\">" + esc(e.getMessage())
                            + "</p><p><a href=\"findings\">Back to the findings</a></p></section>");
        }
        StringBuilder sb = new StringBuilder("<section class=\"card\"><h2>")
                .append(esc(plan.fix().findingId()))
                .append("</h2><p>Change: ")
                .append(esc(plan.fix().description()))
                .append("</p><p data-testid=\"simulated-savings\">Policy simulator, ")
                .append(esc(plan.start()))
                .append(" to ")
                .append(esc(plan.end()))
                .append(": would have saved ")
                .append(usd(plan.wouldHaveSavedUsd()))
                .append(" on ")
                .append(count(plan.calls()))
                .append(" calls (spend ")
                .append(usd(plan.simulated().spendBeforeUsd()))
                .append(" to ")
                .append(usd(plan.simulated().spendAfterUsd()))
                .append(
                        plan.replayed()
                                ? ")."
                                : "); prompt caching is not replayed (cache reads depend on the provider), so the detector's"
                                        + " estimate of " + usd(plan.finding().windowSavingsUsd()) + " stands for it.")
                .append("</p><p class=\"source\">Detector's estimate: ")
                .append(usd(plan.finding().monthlySavingsUsd()))
                .append(" per month, from the usage records of that window.</p>");
        if (plan.finding().qualityRisk() != null) {
            sb.append("<p>Quality risk: ")
                    .append(esc(plan.finding().qualityRisk()))
                    .append("</p>");
        }
        if (confirm) {
            AppliedChange applied;
            try {
                applied = FindingApply.apply(plan, policy, by, clock.instant());
            } catch (FindingApply.Refused e) {
                return new Applied(
                        409,
                        "<section class=\"card\"><h2>Cannot apply</h2><p role=\"alert\">" + esc(e.getMessage())
                                + "</p><p><a href=\"findings\">Back to the findings</a></p></section>");
            }
            kept = null; // the next findings view re-reads
            return new Applied(
                    200,
                    sb.append("<p role=\"status\" data-testid=\"applied\">Applied by ")
                            .append(esc(applied.appliedBy()))
                            .append(" at ")
                            .append(esc(applied.appliedAt()))
                            .append("; the gateway picks the change up within a second.</p>")
                            .append("<p><a href=\"findings\">Back to the findings</a></p></section>")
                            .toString());
        }
        return new Applied(
                200,
                sb.append("<p>Dry run: nothing is changed until you confirm.</p></section>")
                        .append("<form method=\"post\" action=\"finding-apply\" class=\"card\">")
                        .append("<input type=\"hidden\" name=\"id\" value=\"")
                        .append(esc(plan.fix().findingId()))
                        .append("\"><input type=\"hidden\" name=\"confirm\" value=\"yes\">")
                        .append(
                                share == null
                                        ? ""
                                        : "<input type=\"hidden\" name=\"share\" value=\"" + esc(share.toPlainString())
                                                + "\">")
                        .append("<div class=\"field\"><label for=\"f-by\">Applied by</label>")
                        .append("<input id=\"f-by\" name=\"by\" required autocomplete=\"name\"")
                        .append(" aria-describedby=\"f-by-hint\"><small id=\"f-by-hint\">Recorded with the change")
                        .append(" (as console:NAME) and the time.</small></div>")
                        .append("<button type=\"submit\" data-testid=\"confirm-apply\">Confirm: apply</button>")
                        .append(" <a href=\"findings\">Cancel</a></form>")
                        .toString());
    }

    /**
     * The kept analysis while it is younger than {@link #CACHE_FOR} and the keys and budgets are those it was computed
     * over (a budget set or a key created through the admin API or the console drops it at once), else a new one.
     */
    private Kept analysis() {
        Instant now = clock.instant();
        Governance governance = new Governance(keys.list(), policies.list());
        Kept k = kept;
        if (k != null && k.at().plus(CACHE_FOR).isAfter(now) && k.governance().equals(governance)) {
            return k;
        }
        Instant end = now.truncatedTo(ChronoUnit.DAYS);
        ChargebackRules rules = null;
        String problem = null;
        try {
            rules = ChargebackRulesFile.load(null, ReportEnvironment.forAnalysis(System.getenv()), dataDir);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            problem = e.getMessage();
        }
        WasteReport r = WasteAnalyzer.create(pricing, governance, clock)
                .withChargebackRules(rules)
                .analyze(store, new WasteWindow(end.minus(30, ChronoUnit.DAYS), end));
        k = new Kept(r, now, governance, problem);
        kept = k;
        return k;
    }

    private static String owner(Owner o) {
        if (o == null) {
            return "unknown";
        }
        return (o.department() == null ? "no department" : o.department())
                + (o.team() == null ? "" : " / " + o.team())
                + (o.costCentre() == null ? "" : ", cost centre " + o.costCentre());
    }

    private static String day(Instant t) {
        return t == null ? "-" : t.toString().substring(0, 10);
    }
}
