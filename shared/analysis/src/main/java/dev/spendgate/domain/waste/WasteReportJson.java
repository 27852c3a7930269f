package dev.spendgate.domain.waste;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * The findings document ({@code findings.json}, {@code findings/YYYY-MM-DD.json}): window, input read and skipped,
 * spend, scores, findings in advisor order, and the advisor list. Money as decimal strings; times UTC with seconds.
 */
public final class WasteReportJson {
    public static final int FORMAT_VERSION = 1;
    private static final JsonFactory FACTORY = new JsonFactory();
    /** What the efficiency score judges, written next to it. */
    static final String COVERS = "repeats (retries, response caching) on every call; model choice on premium-tier"
            + " models with a cheaper sibling; prompt caching on calls with a system prompt and >= 1,024 input tokens;"
            + " batch tier on calls of a job. Percentages of spend are of the window's spend of the same scope.";

    static final String SAVINGS_BASIS = "all findings together, each call's cost counted at most once: per feature,"
            + " each category's findings added up, the categories applied in turn, each to the spend the others"
            + " leave (never more than the feature's spend); each finding's own monthly_savings_usd is what its one change saves, so the"
            + " findings may add up to more.";

    private WasteReportJson() {}

    public static byte[] toBytes(WasteReport report) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(report, out);
        return out.toByteArray();
    }

    public static void write(WasteReport report, OutputStream out) {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeNumberField("format_version", FORMAT_VERSION);
            g.writeStringField("generated_at", time(report.generatedAt()));
            g.writeObjectFieldStart("window");
            g.writeStringField("from", time(report.window().from()));
            g.writeStringField("to", time(report.window().to()));
            g.writeNumberField("days", report.window().length().toSeconds() / 86400.0);
            g.writeEndObject();
            g.writeObjectFieldStart("input");
            g.writeNumberField("objects", report.input().objects());
            g.writeNumberField("records", report.input().records());
            g.writeNumberField("duplicates_skipped", report.input().duplicates());
            g.writeNumberField("malformed_lines_skipped", report.input().malformedLines());
            g.writeNumberField("unreadable_objects", report.input().unreadableObjects());
            g.writeNumberField("quarantined_records", report.input().quarantined());
            g.writeNumberField("unpriced_calls", report.unpriced().calls());
            g.writeNumberField("unanswered_calls", report.unpriced().unanswered());
            g.writeObjectFieldStart("quarantined_by_reason");
            for (Map.Entry<String, Long> e :
                    new java.util.TreeMap<>(report.input().quarantinedByReason()).entrySet()) {
                g.writeNumberField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeArrayFieldStart("warnings");
            for (String w : report.input().warnings()) {
                g.writeString(w);
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeNumberField("calls_analysed", report.callsAnalysed());
            money(g, "spend_usd", report.spendUsd());
            money(g, "monthly_savings_usd", report.monthlySavingsUsd());
            g.writeStringField("monthly_savings_basis", SAVINGS_BASIS);
            g.writeObjectFieldStart("efficiency_score");
            g.writeNumberField("overall", report.overall().score());
            g.writeStringField(
                    "overall_covered_percent_of_spend",
                    report.overall().coveredPercent().toPlainString());
            g.writeStringField("covers", COVERS);
            g.writeArrayFieldStart("features");
            for (EfficiencyScore s : report.features()) {
                g.writeStartObject();
                g.writeStringField("feature", s.feature());
                if (s.scored()) {
                    g.writeNumberField("score", s.score());
                } else {
                    g.writeNullField("score");
                    g.writeStringField(
                            "not_scored_because",
                            "no finding, and only " + s.coveredPercent().toPlainString()
                                    + " % of its spend was open to a model, prompt-cache or batch rule (under 50 %)");
                }
                money(g, "spend_usd", s.spendUsd());
                money(g, "waste_usd", s.wasteUsd());
                money(g, "at_risk_usd", s.atRiskUsd());
                g.writeStringField(
                        "covered_percent_of_spend", s.coveredPercent().toPlainString());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeArrayFieldStart("recommended_settings");
            for (RecommendedSetting r : report.settings()) {
                g.writeStartObject();
                g.writeStringField("setting", r.setting());
                g.writeStringField("scope", r.scope());
                g.writeStringField("value", r.value());
                g.writeStringField("reason", r.reason());
                g.writeArrayFieldStart("finding_ids");
                for (String id : r.findingIds()) {
                    g.writeString(id);
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayFieldStart("findings");
            for (Finding f : report.findings()) {
                finding(g, f);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("advisor");
            int rank = 1;
            for (Finding f : report.findings()) {
                g.writeStartObject();
                g.writeNumberField("rank", rank++);
                g.writeStringField("finding_id", f.id());
                g.writeStringField("category", f.category().label());
                money(g, "monthly_savings_usd", f.monthlySavingsUsd());
                money(g, "monthly_spend_at_risk_usd", f.monthlySpendAtRiskUsd());
                g.writeStringField("recommendation", f.recommendation());
                owner(g, f.owner());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void finding(JsonGenerator g, Finding f) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", f.id());
        g.writeStringField("category", f.category().label());
        g.writeStringField("kind", f.kind());
        g.writeObjectFieldStart("scope");
        g.writeStringField("type", f.scopeType());
        g.writeStringField("value", f.scopeValue());
        g.writeStringField("feature", f.feature());
        g.writeStringField("model", f.model());
        if (f.prompt() != null) {
            g.writeStringField("prompt", f.prompt());
        }
        g.writeEndObject();
        Evidence e = f.evidence();
        g.writeObjectFieldStart("evidence");
        g.writeNumberField("calls", e.calls());
        g.writeNumberField("wasteful_calls", e.wastefulCalls());
        g.writeStringField("first_seen", e.firstSeen() == null ? null : time(e.firstSeen()));
        g.writeStringField("last_seen", e.lastSeen() == null ? null : time(e.lastSeen()));
        g.writeArrayFieldStart("example_request_ids");
        for (String id : e.exampleRequestIds()) {
            g.writeString(id);
        }
        g.writeEndArray();
        for (Map.Entry<String, String> d : e.details().entrySet()) {
            g.writeStringField(d.getKey(), d.getValue());
        }
        g.writeEndObject();
        money(g, "window_savings_usd", f.windowSavingsUsd());
        money(g, "monthly_savings_usd", f.monthlySavingsUsd());
        money(g, "monthly_spend_at_risk_usd", f.monthlySpendAtRiskUsd());
        if (!f.savingsByThreshold().isEmpty()) {
            g.writeObjectFieldStart("window_savings_by_threshold_usd");
            for (Map.Entry<String, BigDecimal> t : f.savingsByThreshold().entrySet()) {
                money(g, t.getKey(), t.getValue());
            }
            g.writeEndObject();
        }
        g.writeStringField("savings_formula", f.savingsFormula());
        g.writeStringField("recommendation", f.recommendation());
        if (f.qualityRisk() != null) {
            g.writeStringField("quality_risk", f.qualityRisk());
        }
        owner(g, f.owner());
        g.writeEndObject();
    }

    private static void owner(JsonGenerator g, Owner o) throws IOException {
        if (o == null) {
            return;
        }
        g.writeObjectFieldStart("owner");
        g.writeStringField("department", o.department());
        g.writeStringField("team", o.team());
        g.writeStringField("cost_centre", o.costCentre());
        g.writeStringField("gl_account", o.glAccount());
        g.writeStringField("basis", o.basis());
        g.writeEndObject();
    }

    private static void money(JsonGenerator g, String field, BigDecimal value) throws IOException {
        g.writeStringField(field, value.toPlainString());
    }

    private static String time(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
