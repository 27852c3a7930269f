package dev.spendgate.function.proxy.console;

import static dev.spendgate.function.proxy.console.Html.esc;

import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The latest calls from the usage log: who, what, status, tokens, cost and latency. The usage record holds no prompt
 * or completion text, and the page shows none of its prompt hashes either.
 */
final class CallsView {
    static final int LIMIT = 50;
    private static final Comparator<UsageRecord> BY_TIME =
            Comparator.comparing(UsageRecord::tsStart).thenComparing(UsageRecord::requestId);

    private final ObjectStore store;
    private final Clock clock;

    CallsView(ObjectStore store, Clock clock) {
        this.store = store;
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
        UsageLogReader.ReadStats stats = UsageLogReader.create(store)
                .read(now.minus(hours, ChronoUnit.HOURS), now.plusSeconds(1), r -> {
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
                .append("<table data-testid=\"calls-table\"><caption>The last ")
                .append(rows.size())
                .append(" of ")
                .append(stats.records())
                .append(" calls in the last ")
                .append(hours)
                .append(" hours (no prompt or completion text is recorded)</caption><thead><tr>");
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
            sb.append(r.worstCaseEstimate() ? "<tr data-cost-basis=\"reserved_worst_case\"><td>" : "<tr><td>")
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
                    .append("</td><td class=\"num\">")
                    .append(r.latencyMs())
                    .append("</td></tr>");
        }
        if (rows.isEmpty()) {
            sb.append("<tr><td colspan=\"13\">No calls in this window.</td></tr>");
        }
        return sb.append("</tbody></table>").toString();
    }
}
