package dev.spendgate.function.proxy.console;

import static dev.spendgate.function.proxy.console.Html.esc;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageSummary;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * The latest calls from the usage log: who, what, status, tokens, cost and latency. The usage record holds no prompt
 * or completion text, and the page shows none of its prompt hashes either. A record whose cost the monthly report's
 * cost check quarantines (as the Spend page and {@code usage} leave it out) is marked as left out of every figure and
 * counted apart in the caption.
 */
final class CallsView {
    static final int LIMIT = 50;
    private static final Comparator<UsageRecord> BY_TIME =
            Comparator.comparing(UsageRecord::tsStart).thenComparing(UsageRecord::requestId);

    private final ObjectStore store;
    private final CostCheck check;
    private final Clock clock;

    /** @param pricing the catalog the gateway prices at; costs are checked against it as the Spend page does */
    CallsView(ObjectStore store, PricingCatalog pricing, Clock clock) {
        this.store = store;
        this.check = CostCheck.against(pricing);
        this.clock = clock;
    }

    String render(Params params) {
        int hours;
        try {
            hours = Integer.parseInt(params.get("hours", "24"));
        } catch (NumberFormatException e) {
            hours = -1;
        }
        StringBuilder sb = new StringBuilder();
        if (hours < 1 || hours > 24 * 31) {
            sb.append(Html.notice("error", "Invalid 'hours': a whole number from 1 to 744; showing 24."));
            hours = 24;
        }
        Instant now = clock.instant();
        PriorityQueue<UsageRecord> latest = new PriorityQueue<>(BY_TIME);
        Map<String, Long> quarantined = new TreeMap<>();
        UsageLogReader.ReadStats stats = UsageLogReader.create(store)
                .read(now.minus(hours, ChronoUnit.HOURS), now.plusSeconds(1), r -> {
                    check.check(r).ifPresent(reason -> quarantined.merge(reason.key(), 1L, Long::sum));
                    latest.add(r);
                    if (latest.size() > LIMIT) {
                        latest.poll();
                    }
                });
        List<UsageRecord> rows = new ArrayList<>(latest);
        rows.sort(BY_TIME.reversed());
        sb.append("<form method=\"get\" action=\"calls\" class=\"filters\">")
                .append(Html.input("hours", "Look back (hours)", Integer.toString(hours), null))
                .append("<button type=\"submit\">Show</button></form>")
                .append("<table data-testid=\"calls-table\"><caption>")
                .append(caption(rows.size(), stats.records(), hours, quarantined))
                .append("</caption><thead><tr>");
        for (String h : new String[] {
            "Started (UTC)",
            "Request id",
            "Key",
            "Feature",
            "Department",
            "Team",
            "Model",
            "Status",
            "Input tokens",
            "Output tokens",
            "Cost USD",
            "Pricing",
            "Latency ms"
        }) {
            sb.append("<th scope=\"col\">").append(h).append("</th>");
        }
        sb.append("</tr></thead><tbody>");
        for (UsageRecord r : rows) {
            Optional<CostCheck.Reason> left = check.check(r);
            sb.append("<tr")
                    .append(r.worstCaseEstimate() ? " data-cost-basis=\"reserved_worst_case\"" : "")
                    .append(left.map(q -> " data-quarantined=\"" + q.key() + "\"")
                            .orElse(""))
                    .append("><td>")
                    .append(esc(r.tsStart()))
                    .append("</td><th scope=\"row\"><code>")
                    .append(esc(r.requestId()))
                    .append("</code></th><td>")
                    .append(esc(r.keyId()))
                    .append("</td><td>")
                    .append(esc(r.attribution().feature()))
                    .append("</td><td>")
                    .append(esc(r.attribution().department()))
                    .append("</td><td>")
                    .append(esc(r.attribution().team()))
                    .append("</td><td>")
                    .append(esc(r.pricedModel()))
                    .append("</td><td class=\"num\">")
                    .append(r.statusCode())
                    .append("</td><td class=\"num\">")
                    .append(r.tokens().inputTokens())
                    .append("</td><td class=\"num\">")
                    .append(r.tokens().outputTokens())
                    .append("</td><td class=\"num\">")
                    .append(
                            r.costUsd() != null
                                    ? esc(r.costUsd().toPlainString())
                                    : r.pricingStatus() == UsageRecord.PricingStatus.UNPRICED ? "unknown" : "-")
                    .append("</td><td>")
                    .append(esc(r.pricingStatus().name().toLowerCase(java.util.Locale.ROOT)))
                    .append(r.worstCaseEstimate() ? "; worst-case estimate (never settled), not an amount billed" : "")
                    .append(left.map(q -> "; quarantined (" + esc(q.description()) + "): left out of every figure")
                            .orElse(""))
                    .append("</td><td class=\"num\">")
                    .append(r.latencyMs())
                    .append("</td></tr>");
        }
        if (rows.isEmpty()) {
            sb.append("<tr><td colspan=\"13\">No calls in this window.</td></tr>");
        }
        return sb.append("</tbody></table>").toString();
    }

    /** The records shown and read; quarantined ones counted apart from the calls, as the Spend page leaves them out. */
    private static String caption(int shown, long read, int hours, Map<String, Long> quarantined) {
        long left = quarantined.values().stream().mapToLong(Long::longValue).sum();
        if (left == 0) {
            return "The last " + shown + " of " + read + " calls in the last " + hours
                    + " hours (no prompt or completion text is recorded)";
        }
        return "The last " + shown + " of " + read + " records in the last " + hours + " hours: " + (read - left)
                + " calls and " + left + " quarantined, left out of every figure ("
                + esc(UsageSummary.quarantinedSentence(quarantined))
                + "; no prompt or completion text is recorded)";
    }
}
