package dev.spendgate.cli;

import static dev.spendgate.function.proxy.console.Html.esc;
import static dev.spendgate.function.proxy.console.Html.usd;

import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.waste.EfficiencyScore;
import dev.spendgate.domain.waste.Finding;
import dev.spendgate.domain.waste.FindingLifecycle;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.domain.waste.Owner;
import dev.spendgate.domain.waste.WasteAnalyzer;
import dev.spendgate.domain.waste.WasteReport;
import dev.spendgate.domain.waste.WasteWindow;
import dev.spendgate.function.proxy.console.FindingsPage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * Waste findings ranked by dollars, with evidence, owner, the recommended change and state (open, resolved,
 * regressed, from the saved life cycle), and the AI Efficiency Score: the analysis of {@code ./spendgate waste} over
 * its default window (the 30 days before today's UTC midnight), kept for five minutes. The local server's findings
 * page (the CLI carries the analysis; the proxy jar does not).
 */
final class ConsoleFindings implements FindingsPage {
    private static final Duration CACHE_FOR = Duration.ofMinutes(5);

    private final ObjectStore store;
    private final KeyStore keys;
    private final BudgetPolicyStore policies;
    private final PricingCatalog pricing;
    private final Clock clock;
    private volatile WasteReport cached;
    private volatile Instant cachedAt = Instant.MIN;

    ConsoleFindings(FindingsPage.Sources sources) {
        this.store = sources.store();
        this.keys = sources.keys();
        this.policies = sources.policies();
        this.pricing = sources.pricing();
        this.clock = sources.clock();
    }

    @Override
    public String render() {
        WasteReport report = report();
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
                .append(String.format("%,d", report.callsAnalysed()))
                .append(" calls and ")
                .append(usd(report.spendUsd()))
                .append(" analysed from ")
                .append(esc(report.window().from()))
                .append(" to ")
                .append(esc(report.window().to()))
                .append(" (")
                .append(esc(overall.coveredPercent().toPlainString()))
                .append(" % of spend open to a model, prompt-cache or batch rule).</p>");
        if (report.skippedInput() > 0 || report.input().duplicates() > 0) {
            sb.append("<p class=\"source\">Skipped: ")
                    .append(report.input().unreadableObjects())
                    .append(" damaged log objects, ")
                    .append(report.input().malformedLines())
                    .append(" unreadable records, ")
                    .append(report.input().duplicates())
                    .append(" duplicate request ids.</p>");
        }
        sb.append("</section><table data-testid=\"findings-table\"><caption>Findings by monthly dollars</caption>")
                .append("<thead><tr><th scope=\"col\">#</th><th scope=\"col\" class=\"num\">USD / month</th>")
                .append("<th scope=\"col\">Category</th><th scope=\"col\">Scope</th><th scope=\"col\">State</th>")
                .append("<th scope=\"col\">Recommended change</th><th scope=\"col\">Owner</th>")
                .append("<th scope=\"col\">Evidence</th></tr></thead><tbody>");
        int rank = 1;
        for (Finding f : report.findings()) {
            FindingLifecycle.Entry state = states.get(f.id());
            boolean saving = f.monthlySavingsUsd().signum() > 0;
            sb.append("<tr><td>")
                    .append(rank++)
                    .append("</td><td class=\"num\">")
                    .append(saving ? usd(f.monthlySavingsUsd()) : usd(f.monthlySpendAtRiskUsd()) + " at risk")
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
                    .append("</code></td></tr>");
        }
        if (report.findings().isEmpty()) {
            sb.append("<tr><td colspan=\"8\">No waste found in this window.</td></tr>");
        }
        sb.append("</tbody></table><h2>Score by feature</h2><table><thead><tr><th scope=\"col\">Feature</th>")
                .append("<th scope=\"col\" class=\"num\">Score</th><th scope=\"col\" class=\"num\">Spend</th>")
                .append("<th scope=\"col\" class=\"num\">Waste</th><th scope=\"col\" class=\"num\">At risk</th>")
                .append("</tr></thead><tbody>");
        for (EfficiencyScore s : report.features()) {
            sb.append("<tr><th scope=\"row\">")
                    .append(esc(s.feature()))
                    .append("</th><td class=\"num\">")
                    .append(s.scored() ? Integer.toString(s.score()) : "-")
                    .append("</td><td class=\"num\">")
                    .append(usd(s.spendUsd()))
                    .append("</td><td class=\"num\">")
                    .append(usd(s.wasteUsd()))
                    .append("</td><td class=\"num\">")
                    .append(usd(s.atRiskUsd()))
                    .append("</td></tr>");
        }
        return sb.append("</tbody></table>").toString();
    }

    private WasteReport report() {
        Instant now = clock.instant();
        WasteReport r = cached;
        if (r != null && cachedAt.plus(CACHE_FOR).isAfter(now)) {
            return r;
        }
        Instant end = now.truncatedTo(ChronoUnit.DAYS);
        r = WasteAnalyzer.create(pricing, new Governance(keys.list(), policies.list()), clock)
                .analyze(store, new WasteWindow(end.minus(30, ChronoUnit.DAYS), end));
        cached = r;
        cachedAt = now;
        return r;
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
