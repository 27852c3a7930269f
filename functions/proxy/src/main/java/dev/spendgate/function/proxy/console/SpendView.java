package dev.spendgate.function.proxy.console;

import static dev.spendgate.function.proxy.console.Html.esc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.CostCheck;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageSummary;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Spend over time by feature, department, team, model or provider, with filters. The figures come from the same code
 * as {@code ./spendgate usage}: {@link UsageLogReader} over {@code [from, to)} into {@link UsageSummary}, so the page's
 * total and each row equal the CLI's. A query's result is kept for a minute, so reloading does not re-read the log.
 */
final class SpendView {
    static final List<String> DIMENSIONS = List.of("feature", "department", "team", "model", "provider");
    private static final Duration CACHE_FOR = Duration.ofMinutes(1);
    private static final int MAX_SERIES = 8;
    /** The longest window one view reads (a leap year): the log is listed one day prefix at a time. */
    static final Duration MAX_WINDOW = Duration.ofDays(366);

    private final ObjectStore store;
    private final CostCheck check;
    private final Clock clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(Instant at, Result result) {}

    /** What a query read; {@code to} is the end it read up to (for an open end, the moment it was read). */
    private record Result(Instant to, UsageSummary table, UsageSummary series, UsageLogReader.ReadStats stats) {}

    /** @param pricing the catalog the gateway prices at; costs are checked against it as the monthly report does */
    SpendView(ObjectStore store, PricingCatalog pricing, Clock clock) {
        this.store = store;
        this.check = CostCheck.against(pricing);
        this.clock = clock;
    }

    String render(Params params) {
        Instant now = clock.instant();
        List<String> errors = new ArrayList<>();
        Instant monthStart = LocalDate.ofInstant(now, ZoneOffset.UTC)
                .withDayOfMonth(1)
                .atStartOfDay(ZoneOffset.UTC)
                .toInstant();
        Instant from = date(params.get("from"), "from", monthStart, errors);
        Instant to = date(params.get("to"), "to", null, errors);
        boolean open = to == null;
        if (open) {
            to = now.plusSeconds(1);
        }
        if (!from.isBefore(to)) {
            errors.add("Invalid 'to': it must be after 'from'.");
            from = monthStart;
            to = now.plusSeconds(1);
            open = true;
        } else if (Duration.between(from, to).compareTo(MAX_WINDOW) > 0) {
            // the log is listed one day at a time: a typo'd year would list tens of thousands of empty days
            errors.add("Invalid 'from' and 'to': " + from + " to " + to + " spans "
                    + Duration.between(from, to).toDays() + " days, more than the " + MAX_WINDOW.toDays()
                    + " one view reads; showing this month. Use ./spendgate usage or the monthly reports for longer.");
            from = monthStart;
            to = now.plusSeconds(1);
            open = true;
        }
        String by = choice(params.get("by"), "by", DIMENSIONS, "feature", errors);
        String step = choice(params.get("step"), "step", List.of("day", "hour"), "day", errors);
        Map<String, String> filters = new LinkedHashMap<>();
        for (String d : DIMENSIONS) {
            String v = params.get(d);
            if (v != null) {
                filters.put(d, v);
            }
        }
        Result result = result(from, open ? null : to, by, step, filters);
        StringBuilder sb = new StringBuilder();
        errors.forEach(e -> sb.append(Html.notice("error", e)));
        sb.append(form(params, by, step));
        UsageSummary.Row total = result.table().total();
        sb.append("<section aria-labelledby=\"total-h\" class=\"card\"><h2 id=\"total-h\">Total</h2>")
                .append("<p class=\"big\"><span data-testid=\"spend-total\">")
                .append(esc(total.costUsd().toPlainString()))
                .append("</span> USD</p><p>")
                .append(total.calls())
                .append(" calls from ")
                .append(esc(from))
                .append(" to ")
                .append(esc(result.to()))
                .append(filters.isEmpty() ? "" : ", filtered by " + esc(filters))
                .append(".</p>")
                .append(worstCase(total))
                .append(quality(result.stats(), result.table()))
                .append("</section>");
        sb.append(chart(result.series(), by, step));
        sb.append(table(result.table(), by));
        return sb.toString();
    }

    /**
     * The query's result, read afresh or kept from a read less than {@link #CACHE_FOR} ago. An open end ({@code to}
     * null: up to now) is keyed as "open", so a reload within the minute hits; what it shows ends where that read did.
     */
    private Result result(Instant from, Instant to, String by, String step, Map<String, String> filters) {
        String cacheKey = from + "|" + (to == null ? "open" : to) + "|" + by + "|" + step + "|" + encoded(filters);
        Instant now = clock.instant();
        Cached hit = cache.get(cacheKey);
        if (hit != null && hit.at().plus(CACHE_FOR).isAfter(now)) {
            return hit.result();
        }
        Instant end = to == null ? now.plusSeconds(1) : to;
        UsageSummary table = UsageSummary.groupedBy(List.of(by), check);
        UsageSummary series = UsageSummary.groupedBy(List.of(step, by), check);
        List<Map.Entry<Function<UsageRecord, String>, String>> tests = new ArrayList<>();
        filters.forEach((d, v) -> tests.add(Map.entry(UsageSummary.DIMENSIONS.get(d), v)));
        UsageLogReader.ReadStats stats = UsageLogReader.create(store).read(from, end, r -> {
            for (Map.Entry<Function<UsageRecord, String>, String> t : tests) {
                // a filter names a row as the table labels it, "(none)" included
                if (!t.getValue().equals(UsageSummary.label(t.getKey().apply(r)))) {
                    return;
                }
            }
            table.add(r);
            series.add(r);
        });
        Result result = new Result(end, table, series, stats);
        if (cache.size() > 64) {
            cache.clear();
        }
        cache.put(cacheKey, new Cached(now, result));
        return result;
    }

    /** The note {@code ./spendgate usage} prints when part of the total is a worst-case estimate, beside the total. */
    private static String worstCase(UsageSummary.Row total) {
        if (total.worstCaseCalls() == 0) {
            return "";
        }
        return "<p class=\"estimate\" data-testid=\"spend-worst-case\">" + total.worstCaseCalls()
                + " calls never settled (cost_basis reserved_worst_case): "
                + esc(total.worstCaseUsd().toPlainString())
                + " USD of the total is the worst case reserved for them, an estimate, not an amount billed.</p>";
    }

    /**
     * The filters as {@code d=v&d=v} with each value URL-encoded: unambiguous, unlike the map's {@code toString()},
     * where the value {@code "chat, department=engineering"} reads like two filters.
     */
    static String encoded(Map<String, String> filters) {
        StringBuilder sb = new StringBuilder();
        filters.forEach((d, v) -> sb.append(sb.isEmpty() ? "" : "&")
                .append(d)
                .append('=')
                .append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8)));
        return sb.toString();
    }

    private static String quality(UsageLogReader.ReadStats stats, UsageSummary summary) {
        UsageSummary.Row total = summary.total();
        StringBuilder sb = new StringBuilder("<p class=\"source\">Source: the raw usage log, ")
                .append(stats.records())
                .append(" records in ")
                .append(stats.objects())
                .append(" log objects; the same sums as <code>./spendgate usage</code>.");
        // each unpriced call under its cause (UnpricedCause): a call a gateway stop cut off is no catalog gap
        long unanswered = total.unansweredCalls();
        if (total.noPriceCalls() > 0) {
            sb.append(" ")
                    .append(total.noPriceCalls())
                    .append(" calls used models missing from the pricing catalog: their cost is unknown, not zero.");
        }
        if (total.gatewayStoppedCalls() > 0) {
            sb.append(" <span data-testid=\"spend-gateway-stopped\">")
                    .append(total.gatewayStoppedCalls())
                    .append(
                            " calls were cut off when the gateway stopped (killed, or a stop that gave up waiting) while"
                                    + " they were at the provider, with no budget on them (error_type unsettled): their cost"
                                    + " is unknown, not zero, and in the provider's bill.</span>");
        }
        if (unanswered > 0) {
            sb.append(" ")
                    .append(unanswered)
                    .append(" calls reached the provider but its answer never arrived whole: their cost is unknown,"
                            + " not zero, and their budgets count the worst case.");
        }
        if (total.rejectedCalls() > 0) {
            // the monthly report's "rejected calls", by the same rule (UsageSummary.rejected)
            sb.append(" <span data-testid=\"spend-rejected\">")
                    .append(total.rejectedCalls())
                    .append(" calls were refused by the gateway or provider (a budget, a bad request, a provider"
                            + " error): counted among the calls, nothing billed.</span>");
        }
        if (total.estimatedCalls() > 0) {
            sb.append(" ")
                    .append(total.estimatedCalls())
                    .append(" calls ($")
                    .append(esc(total.estimatedUsd().toPlainString()))
                    .append(") are priced on tokens the gateway counted itself, the provider having reported none"
                            + " (usage_source estimated): an estimate.");
        }
        if (summary.quarantinedRecords() > 0) {
            sb.append(" <span data-testid=\"spend-quarantined\">Left out: ")
                    .append(esc(summary.quarantinedSentence()))
                    .append(", in no figure here, as the monthly report quarantines them.</span>");
        }
        long skipped = stats.malformedLines() + stats.unreadableObjects();
        if (skipped > 0 || stats.duplicates() > 0) {
            sb.append(" Skipped: ")
                    .append(stats.malformedLines())
                    .append(" unreadable lines, ")
                    .append(stats.unreadableObjects())
                    .append(" damaged objects, ")
                    .append(stats.duplicates())
                    .append(" duplicate request ids.");
        }
        return sb.append("</p>").toString();
    }

    private static String form(Params params, String by, String step) {
        StringBuilder sb = new StringBuilder(
                "<form method=\"get\" action=\"./\" class=\"filters\" " + "aria-label=\"Filter spend\">");
        sb.append(Html.input("from", "From (UTC date, inclusive)", params.get("from", ""), "e.g. 2026-11-01"));
        sb.append(Html.input("to", "To (UTC date, exclusive)", params.get("to", ""), "empty: now"));
        sb.append("<div class=\"field\"><label for=\"f-by\">Group by</label><select id=\"f-by\" name=\"by\">");
        DIMENSIONS.forEach(d -> sb.append(Html.option(d, d, by)));
        sb.append("</select></div><div class=\"field\"><label for=\"f-step\">Step</label>")
                .append("<select id=\"f-step\" name=\"step\">")
                .append(Html.option("day", "day", step))
                .append(Html.option("hour", "hour", step))
                .append("</select></div>");
        for (String d : DIMENSIONS) {
            sb.append(Html.input(d, "Only " + d, params.get(d, ""), null));
        }
        return sb.append("<button type=\"submit\">Show</button></form>").toString();
    }

    /**
     * A stacked bar chart (Chart.js, drawn by console.js from the JSON below); the table is its text equivalent. Past
     * {@link #MAX_SERIES} series, the smallest are folded into one labelled by {@link #folded}.
     */
    private static String chart(UsageSummary series, String by, String step) {
        TreeSet<String> labels = new TreeSet<>();
        Map<String, BigDecimal> byTotal = new LinkedHashMap<>();
        for (UsageSummary.Row row : series.rows()) {
            labels.add(row.key().get(0));
            byTotal.merge(row.key().get(1), row.costUsd(), BigDecimal::add);
        }
        List<String> top = byTotal.entrySet().stream()
                .sorted(Map.Entry.<String, BigDecimal>comparingByValue().reversed())
                .limit(MAX_SERIES)
                .map(Map.Entry::getKey)
                .toList();
        List<String> labelList = new ArrayList<>(labels);
        String folded = folded(byTotal.size() - top.size());
        Map<String, BigDecimal[]> data = new LinkedHashMap<>();
        for (UsageSummary.Row row : series.rows()) {
            String name = top.contains(row.key().get(1)) ? row.key().get(1) : folded;
            BigDecimal[] values = data.computeIfAbsent(name, n -> zeros(labelList.size()));
            int i = labelList.indexOf(row.key().get(0));
            values[i] = values[i].add(row.costUsd());
        }
        ObjectNode json = AdminCall.JSON.createObjectNode();
        json.put("title", "Spend (USD) per " + step + " by " + by);
        ArrayNode l = json.putArray("labels");
        labelList.forEach(l::add);
        ArrayNode sets = json.putArray("datasets");
        data.forEach((name, values) -> {
            ObjectNode set = sets.addObject().put("label", name);
            ArrayNode v = set.putArray("data");
            for (BigDecimal x : values) {
                v.add(x.setScale(6, java.math.RoundingMode.HALF_UP));
            }
        });
        return "<section aria-labelledby=\"chart-h\" class=\"card\"><h2 id=\"chart-h\">Spend per " + esc(step)
                + "</h2><div class=\"chart\"><canvas id=\"spend-chart\" role=\"img\" aria-label=\"Stacked bars of spend"
                + " per " + esc(step) + " by " + esc(by) + "; the table below has the figures\"></canvas></div>"
                + "<script type=\"application/json\" id=\"spend-chart-data\">"
                + json.toString().replace("<", "\\u003c") + "</script></section>";
    }

    /**
     * The label of the series the chart folds the smallest into, e.g. "(3 others)": in parentheses, as {@link
     * UsageSummary#NONE}, so no real value (a feature may be named "other") shares it and the chart's series still
     * equal the table's rows of the same name.
     */
    static String folded(int series) {
        return "(" + series + (series == 1 ? " other)" : " others)");
    }

    private static BigDecimal[] zeros(int n) {
        BigDecimal[] a = new BigDecimal[n];
        java.util.Arrays.fill(a, BigDecimal.ZERO);
        return a;
    }

    private static String table(UsageSummary summary, String by) {
        StringBuilder sb = new StringBuilder("<section aria-labelledby=\"rows-h\"><h2 id=\"rows-h\">By ")
                .append(esc(by))
                .append("</h2><table data-testid=\"spend-table\"><thead><tr><th scope=\"col\">")
                .append(esc(by.toUpperCase(java.util.Locale.ROOT)))
                .append(
                        "</th><th scope=\"col\" class=\"num\">Calls</th><th scope=\"col\" class=\"num\">Input tokens</th>")
                .append(
                        "<th scope=\"col\" class=\"num\">Output tokens</th><th scope=\"col\" class=\"num\">Unpriced</th>")
                .append("<th scope=\"col\" class=\"num\">Refused</th>")
                .append("<th scope=\"col\" class=\"num\">Cost USD</th></tr></thead><tbody>");
        for (UsageSummary.Row row : summary.rows()) {
            sb.append("<tr data-key=\"")
                    .append(esc(row.key().get(0)))
                    .append("\"><th scope=\"row\">")
                    .append(esc(row.key().get(0)))
                    .append("</th>")
                    .append(cells(row))
                    .append("</tr>");
        }
        return sb.append("</tbody><tfoot><tr><th scope=\"row\">TOTAL</th>")
                .append(cells(summary.total()))
                .append("</tr></tfoot></table></section>")
                .toString();
    }

    private static String cells(UsageSummary.Row row) {
        return "<td class=\"num\">" + row.calls() + "</td><td class=\"num\">" + row.inputTokens()
                + "</td><td class=\"num\">" + row.outputTokens() + "</td><td class=\"num\">" + row.unpricedCalls()
                + "</td><td class=\"num\">" + row.rejectedCalls() + "</td><td class=\"num cost\">"
                + esc(row.costUsd().toPlainString()) + "</td>";
    }

    private static Instant date(String value, String field, Instant fallback, List<String> errors) {
        if (value == null) {
            return fallback;
        }
        try {
            return value.length() == 10
                    ? LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : Instant.parse(value);
        } catch (DateTimeParseException e) {
            errors.add("Invalid '" + field + "': a date like 2026-11-01 or an instant like 2026-11-01T00:00:00Z.");
            return fallback;
        }
    }

    private static String choice(
            String value, String field, List<String> allowed, String fallback, List<String> errors) {
        if (value == null) {
            return fallback;
        }
        if (!allowed.contains(value)) {
            errors.add("Invalid '" + field + "': choose one of " + String.join(", ", allowed) + ".");
            return fallback;
        }
        return value;
    }
}
