package dev.spendgate.function.proxy.console;

import static dev.spendgate.function.proxy.console.Html.esc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

/**
 * Budgets: each one's burn against its period's pace, forecast, in-flight reservations, mode and the alert thresholds
 * crossed; set, change and delete through the admin API ({@code /admin/budgets}), so the console validates exactly as
 * the API and the CLI do, and an error names the field.
 */
final class BudgetsView {
    private final AdminCall admin;
    private final Clock clock;

    BudgetsView(AdminCall admin, Clock clock) {
        this.admin = admin;
        this.clock = clock;
    }

    void serve(Params params, boolean post, ResponseSink sink) throws IOException {
        if (!post) {
            String saved = params.get("saved");
            String deleted = params.get("deleted");
            String note = saved != null
                    ? Html.notice("ok", "Saved budget " + saved + "; the gateway enforces it from its next call.")
                    : deleted != null ? Html.notice("ok", "Deleted budget " + deleted + ".") : "";
            Reply.html(sink, 200, page(note, Params.parse("")));
            return;
        }
        ObjectNode body = AdminCall.JSON.createObjectNode();
        for (String field : new String[] {"scope", "period", "limit_usd", "mode", "on_store_error", "time_zone"}) {
            if (params.get(field) != null && !params.get(field).isBlank()) {
                body.put(field, params.get(field));
            }
        }
        String alertAt = params.get("alert_at");
        if (alertAt != null && !alertAt.isBlank()) {
            ArrayNode list = body.putArray("alert_at");
            for (String part : alertAt.split("[,\\s]+")) {
                try {
                    list.add(Integer.parseInt(part));
                } catch (NumberFormatException e) {
                    Reply.html(
                            sink,
                            400,
                            page(
                                    Html.notice(
                                            "error",
                                            "Invalid 'alert_at': whole percentages separated by commas, e.g. 50,80,100."),
                                    params));
                    return;
                }
            }
        }
        keepStored(body);
        AdminCall.Answer answer = admin.send("PUT", "/admin/budgets", body);
        if (!answer.ok()) {
            Reply.html(sink, answer.status(), page(Html.notice("error", answer.message()), params));
            return;
        }
        String id = answer.body().path("id").asText();
        if (answer.body().hasNonNull("warning")) {
            Reply.html(
                    sink,
                    200,
                    page(
                            Html.notice("ok", "Saved budget " + id + ".")
                                    + Html.notice(
                                            "error",
                                            "Note: "
                                                    + answer.body()
                                                            .get("warning")
                                                            .asText() + "."),
                            Params.parse("")));
            return;
        }
        Reply.redirect(sink, "budgets?saved=" + enc(id), null);
    }

    /**
     * Changing a budget through the form keeps what the form does not carry or left empty (limit, mode, store-error
     * behaviour, shard count, alert thresholds, time zone) from the stored budget, instead of resetting it to the
     * defaults. A new budget whose mode was left on "keep" blocks, as the API's budgets mostly do; one whose limit was
     * left empty is refused by the admin API, naming {@code limit_usd}.
     */
    private void keepStored(ObjectNode body) {
        String id;
        try {
            id = BudgetScope.parse(body.path("scope").asText()) + "/"
                    + BudgetPeriod.parse(body.path("period").asText()).label();
        } catch (RuntimeException e) {
            return; // the admin API names the invalid field
        }
        for (JsonNode stored : admin.get("/admin/budgets").body().path("budgets")) {
            if (!id.equals(stored.path("id").asText())) {
                continue;
            }
            for (String field :
                    new String[] {"limit_usd", "mode", "on_store_error", "shards", "alert_at", "time_zone"}) {
                if (!body.has(field) && stored.has(field)) {
                    body.set(field, stored.get(field));
                }
            }
        }
        if (!body.has("mode")) {
            body.put("mode", "block");
        }
    }

    void delete(Params params, ResponseSink sink) throws IOException {
        String path =
                "/admin/budgets?scope=" + enc(params.get("scope", "")) + "&period=" + enc(params.get("period", ""));
        AdminCall.Answer answer = admin.send("DELETE", path, null);
        if (!answer.ok()) {
            Reply.html(sink, answer.status(), page(Html.notice("error", answer.message()), Params.parse("")));
            return;
        }
        Reply.redirect(
                sink, "budgets?deleted=" + enc(answer.body().path("deleted").asText()), null);
    }

    private String page(String notice, Params form) {
        AdminCall.Answer status = admin.get("/admin/budgets/status");
        StringBuilder sb = new StringBuilder(notice);
        Instant now = clock.instant();
        sb.append("<table data-testid=\"budgets-table\"><caption>Budgets in their current period (")
                .append(esc(now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)))
                .append("); pace is the share of the period gone by</caption><thead><tr>")
                .append("<th scope=\"col\">Scope</th><th scope=\"col\">Period</th><th scope=\"col\">Mode</th>")
                .append("<th scope=\"col\" class=\"num\">Limit USD</th><th scope=\"col\" class=\"num\">Spent USD</th>")
                .append("<th scope=\"col\" class=\"num\">In flight USD</th><th scope=\"col\">Used vs pace</th>")
                .append("<th scope=\"col\" class=\"num\">Forecast USD</th><th scope=\"col\">Alerts</th>")
                .append("<th scope=\"col\"><span class=\"sr\">Actions</span></th></tr></thead><tbody>");
        JsonNode rows = status.body().path("budgets");
        if (rows.isEmpty()) {
            sb.append("<tr><td colspan=\"10\">No budgets yet.</td></tr>");
        }
        for (JsonNode b : rows) {
            sb.append("<tr><th scope=\"row\">")
                    .append(esc(b.path("scope").asText()))
                    .append("</th><td>")
                    .append(esc(b.path("period").asText()))
                    .append(' ')
                    .append(esc(b.path("period_key").asText()))
                    .append(esc(zone(b)))
                    .append("</td><td>")
                    .append(esc(b.path("mode").asText()))
                    .append("</td><td class=\"num\">")
                    .append(esc(b.path("limit_usd").asText()))
                    .append("</td>");
            if (b.has("note")) {
                sb.append("<td colspan=\"5\">")
                        .append(esc(b.path("note").asText()))
                        .append("</td>");
            } else {
                BigDecimal used = decimal(b.path("used_percent"));
                BigDecimal pace = pace(b, now);
                sb.append("<td class=\"num\">")
                        .append(esc(b.path("spent_usd").asText()))
                        .append("</td><td class=\"num\">")
                        .append(esc(b.path("in_flight_usd").asText()))
                        .append("</td><td>")
                        .append(burn(used, pace))
                        .append("</td><td class=\"num\">")
                        .append(esc(b.path("forecast_usd").asText("-")))
                        .append(esc(countingSince(b)))
                        .append("</td><td>")
                        .append(alerts(b))
                        .append("</td>");
            }
            sb.append("<td><form method=\"post\" action=\"budget-delete\">")
                    .append("<input type=\"hidden\" name=\"scope\" value=\"")
                    .append(esc(b.path("scope").asText()))
                    .append("\"><input type=\"hidden\" name=\"period\" value=\"")
                    .append(esc(b.path("period").asText()))
                    .append("\"><button type=\"submit\" class=\"danger\" aria-label=\"Delete budget ")
                    .append(esc(b.path("id").asText()))
                    .append("\">Delete</button></form></td></tr>");
        }
        sb.append("</tbody></table>");
        sb.append("<p class=\"source\">Source: the budget ledger the gateway enforces from (settled spend plus"
                + " reservations of calls in flight); the forecast extrapolates this period's spend linearly, from the"
                + " budget's first setting when that came within the period, once it has counted a day (\"counting"
                + " since\"; its spent counts the whole period); an alert"
                + " goes out when settled spend crosses its threshold. Each budget counts its day or month in the time"
                + " zone named beside its period; the Spend page and the monthly reports count UTC days and months,"
                + " so a budget in another zone covers other hours than their month of the same name.</p>");
        sb.append("<h2 id=\"set-h\">Set or change a budget</h2>")
                .append("<form method=\"post\" action=\"budgets\" class=\"card\" aria-labelledby=\"set-h\">")
                .append(Html.input(
                        "scope",
                        "Scope",
                        form.get("scope", ""),
                        "TYPE:VALUE, e.g. feature:chatbot, department:sales, run:*, global"))
                .append("<div class=\"field\"><label for=\"f-period\">Period</label><select id=\"f-period\""
                        + " name=\"period\">")
                .append(Html.option("monthly", "monthly", form.get("period", "monthly")))
                .append(Html.option("daily", "daily", form.get("period", "monthly")))
                .append(Html.option("lifetime", "lifetime", form.get("period", "monthly")))
                .append("</select></div>")
                .append(Html.input("limit_usd", "Limit (USD)", form.get("limit_usd", ""), "empty: kept, or 250.00"))
                .append("<div class=\"field\"><label for=\"f-mode\">Mode</label><select id=\"f-mode\" name=\"mode\">")
                .append(Html.option("", "keep the stored mode (a new budget: block)", form.get("mode", "")))
                .append(Html.option("block", "block (429 when over)", form.get("mode", "")))
                .append(Html.option("degrade", "degrade (cheaper model)", form.get("mode", "")))
                .append(Html.option("alert", "alert only", form.get("mode", "")))
                .append("</select></div>")
                .append(Html.input("alert_at", "Alert at (%)", form.get("alert_at", ""), "empty: kept, or 50,80,100"))
                .append(Html.input("time_zone", "Time zone", form.get("time_zone", ""), "empty: kept, or UTC"))
                .append("<button type=\"submit\">Save budget</button></form>");
        return Html.page("budgets", "Budgets", sb.toString());
    }

    /**
     * The time zone a budget's period is counted in, as shown after its period key, e.g. " (America/Los_Angeles)", the
     * zone in force ({@code time_zone_in_force}), with a changed zone that waits for the period's end named as the
     * next period's; empty for a lifetime budget, which has no period to begin.
     */
    static String zone(JsonNode budget) {
        if (BudgetPeriod.LIFETIME.label().equals(budget.path("period").asText())) {
            return "";
        }
        String inForce = zoneName(budget.path("time_zone_in_force")
                .asText(budget.path("time_zone").asText("UTC")));
        String set = zoneName(budget.path("time_zone").asText(inForce));
        return " (" + inForce + (set.equals(inForce) ? "" : "; " + set + " from the next period") + ")";
    }

    /** A zone as {@code budgets list} names it: UTC, not the offset id "Z". */
    private static String zoneName(String zone) {
        return zone.equals("Z") ? "UTC" : zone;
    }

    /**
     * Said beside the forecast of a budget first set within its period a day or more ago ({@code counting_from}): its
     * forecast and pace count from then, not from the period's start (its spend counts the period); empty otherwise.
     */
    static String countingSince(JsonNode budget) {
        String from = budget.path("counting_from").asText("");
        return from.isEmpty() ? "" : " (counting since " + from + ")";
    }

    /**
     * The share of the current period gone by, in percent, or null for a lifetime budget: the period of the time zone
     * in force ({@code time_zone_in_force}), where the spend is counted, not of a change waiting for the period's end.
     * A budget first set within its period ({@code counting_from}) is paced over the part of the period it counts.
     */
    static BigDecimal pace(JsonNode budget, Instant now) {
        try {
            BudgetPeriod period = BudgetPeriod.parse(budget.path("period").asText());
            ZoneId zone = ZoneId.of(budget.path("time_zone_in_force")
                    .asText(budget.path("time_zone").asText("UTC")));
            Instant start = period.start(now, zone);
            Instant end = period.end(now, zone);
            if (start == null || end == null) {
                return null;
            }
            if (budget.hasNonNull("counting_from")) {
                Instant from = Instant.parse(budget.path("counting_from").asText());
                if (from.isAfter(start) && !from.isAfter(now)) {
                    start = from;
                }
            }
            return BigDecimal.valueOf(Duration.between(start, now).getSeconds())
                    .multiply(BigDecimal.valueOf(100))
                    .divide(BigDecimal.valueOf(Duration.between(start, end).getSeconds()), 1, RoundingMode.HALF_UP);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String burn(BigDecimal used, BigDecimal pace) {
        if (used == null) {
            return "-";
        }
        String meter = "<meter min=\"0\" max=\"100\" value=\""
                + used.min(BigDecimal.valueOf(100)).toPlainString()
                + "\"" + (pace == null ? "" : " optimum=\"0\" high=\"" + pace.toPlainString() + "\"")
                + " aria-hidden=\"true\"></meter> ";
        String text = used.toPlainString() + " % used";
        if (pace != null) {
            String verdict = used.compareTo(pace) > 0 ? "ahead of pace" : "within pace";
            text += " / " + pace.toPlainString() + " % of period (" + verdict + ")";
        }
        return meter + esc(text);
    }

    /**
     * The thresholds settled spend has crossed, as the status reports them ({@code alerts_crossed}: a sharded budget
     * judged by its fullest shard, as the enforcer alerts): the gateway alerts when a call's settled cost takes spend
     * over one, so reservations of calls in flight (part of "used") have sent no alert yet.
     */
    private static String alerts(JsonNode b) {
        StringBuilder crossed = new StringBuilder();
        for (JsonNode t : b.path("alerts_crossed")) {
            crossed.append(crossed.isEmpty() ? "" : ", ").append(t.asInt()).append(" %");
        }
        String shards = b.path("shards").asInt(1) > 1 ? " (judged per shard, as the gateway alerts)" : "";
        return crossed.isEmpty()
                ? "none yet (at " + esc(thresholds(b)) + " %)" + esc(shards)
                : "crossed (one alert each): " + esc(crossed) + esc(shards);
    }

    private static String thresholds(JsonNode b) {
        StringBuilder sb = new StringBuilder();
        b.path("alert_at").forEach(t -> sb.append(sb.isEmpty() ? "" : ", ").append(t.asInt()));
        return sb.toString();
    }

    private static BigDecimal decimal(JsonNode n) {
        return n.isMissingNode() || n.isNull() ? null : new BigDecimal(n.asText());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
