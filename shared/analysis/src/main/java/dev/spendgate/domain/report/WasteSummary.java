package dev.spendgate.domain.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.waste.Finding;
import dev.spendgate.domain.waste.FindingLifecycle;
import dev.spendgate.domain.waste.WasteCategory;
import dev.spendgate.domain.waste.WasteReport;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The waste figures of a board report: per waste category, what is still recoverable (the month's findings' monthly
 * savings) and what was recovered (last month's recoverable minus this month's, when it fell), and the AI Efficiency
 * Score. Where the waste detector runs on the data (its findings documents, {@code findings/YYYY-MM-DD.json}, exist
 * for the month), from the detector's day aggregates of the calendar month, merged by the report ({@link #of(WasteReport,
 * String)}): a stored run's trailing 30 days are not a month (a 31-day month's 1st is in no run on a 1st), nor do
 * they change when late records arrive. Else from a waste analysis run with the report's own pass. The stored
 * findings of the previous month ({@link #stored}) move the findings' life cycle on.
 *
 * @param efficiencyScore 0-100
 * @param source where the figures come from, in words
 * @param recoveryKnown false when there was no analysis of the previous month to measure recovery against
 * @param recoverableTotalUsd what all the findings recover together per month, each call counted once (the
 *     analysis's {@code monthly_savings_usd}); the categories' figures are the findings' own and overlap, so they may
 *     add up to more. Null when unknown: the categories' sum stands in
 */
public record WasteSummary(
        List<Category> categories,
        Integer efficiencyScore,
        String source,
        boolean recoveryKnown,
        List<Recovery.Line> recovery,
        BigDecimal recoverableTotalUsd) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern FINDINGS_KEY = Pattern.compile("findings/(\\d{4}-\\d{2}-\\d{2})\\.json");

    public WasteSummary {
        categories = List.copyOf(categories);
        recovery = recovery == null ? List.of() : List.copyOf(recovery);
        if (efficiencyScore != null && (efficiencyScore < 0 || efficiencyScore > 100)) {
            throw new IllegalArgumentException("efficiency score must be 0-100, got " + efficiencyScore);
        }
    }

    /**
     * One waste category's money per month: recovered since last month, still recoverable, and spend at risk (calls
     * breaking a governance rule: not waste, but spend nobody answers for).
     */
    public record Category(String name, BigDecimal recoveredUsd, BigDecimal recoverableUsd, BigDecimal atRiskUsd) {}

    /**
     * Monthly recoverable spend per category and the overall score of one analysis, with its findings (by stable id,
     * for their life cycle), the end of the window it analysed (null when unknown) and the monthly recoverable total
     * with each call counted once (null when unknown: the categories' sum stands in).
     */
    public record Analysis(
            Map<WasteCategory, BigDecimal> recoverable,
            Map<WasteCategory, BigDecimal> atRisk,
            int score,
            String source,
            List<FindingLifecycle.Seen> findings,
            Instant windowEnd,
            BigDecimal recoverableTotal) {
        public Analysis {
            findings = findings == null ? List.of() : List.copyOf(findings);
        }

        public Analysis(
                Map<WasteCategory, BigDecimal> recoverable,
                Map<WasteCategory, BigDecimal> atRisk,
                int score,
                String source,
                List<FindingLifecycle.Seen> findings,
                Instant windowEnd) {
            this(recoverable, atRisk, score, source, findings, windowEnd, null);
        }

        public Analysis(
                Map<WasteCategory, BigDecimal> recoverable,
                Map<WasteCategory, BigDecimal> atRisk,
                int score,
                String source) {
            this(recoverable, atRisk, score, source, List.of(), null);
        }
    }

    /** The stored findings document for the month, if the waste detector wrote one. */
    public static Optional<Analysis> stored(ObjectStore store, YearMonth month) {
        return storedKey(store, month).flatMap(key -> store.get(key)
                .flatMap(bytes -> parse(bytes, "waste detector run of " + key.substring(9, 19))));
    }

    /**
     * The key of the month's findings document: the run on the next month's 1st, else the month's latest run; empty
     * when the detector wrote none.
     */
    public static Optional<String> storedKey(ObjectStore store, YearMonth month) {
        LocalDate first = month.atDay(1);
        LocalDate next = month.plusMonths(1).atDay(1);
        String best = null;
        LocalDate bestDay = null;
        for (String key : store.list("findings/")) {
            Matcher m = FINDINGS_KEY.matcher(key);
            if (!m.matches()) {
                continue;
            }
            LocalDate day;
            try {
                day = LocalDate.parse(m.group(1));
            } catch (DateTimeParseException e) {
                continue;
            }
            if (day.isAfter(first) && !day.isAfter(next) && (bestDay == null || day.isAfter(bestDay))) {
                best = key;
                bestDay = day;
            }
        }
        return Optional.ofNullable(best);
    }

    /** The figures of a waste analysis run with the report, over the records its own pass read. */
    public static Analysis of(WasteReport report) {
        return of(report, "waste analysis of the month's usage log");
    }

    /** The figures of a waste analysis, {@code source} saying in words where it comes from. */
    public static Analysis of(WasteReport report, String source) {
        Map<WasteCategory, BigDecimal> recoverable = new EnumMap<>(WasteCategory.class);
        AtRisk atRisk = new AtRisk();
        for (Finding f : report.findings()) {
            recoverable.merge(f.category(), f.monthlySavingsUsd(), BigDecimal::add);
            String cap = f.evidence().details().get(Finding.SCOPE_AT_RISK_DETAIL);
            atRisk.add(
                    f.category(),
                    f.scopeType() + "\u0000" + f.scopeValue(),
                    f.monthlySpendAtRiskUsd(),
                    cap == null ? null : new BigDecimal(cap));
        }
        return new Analysis(
                recoverable,
                atRisk.byCategory(),
                report.overall().score(),
                source,
                report.findings().stream().map(FindingLifecycle.Seen::of).toList(),
                report.window().to(),
                report.monthlySavingsUsd());
    }

    /**
     * The summary of a month's analysis without measured recovery: a difference between two analyses' category totals
     * is not recovery (the same waste over months of different traffic would show one), so nothing is called
     * recovered.
     */
    public static WasteSummary of(Analysis current, Analysis previous) {
        return withRecovery(current, null);
    }

    /**
     * The summary of a month's analysis with the recovery measured per resolved finding ({@link Recovery}); null
     * when no life cycle is known (then recovery is shown as unknown, not zero).
     */
    public static WasteSummary withRecovery(Analysis current, List<Recovery.Line> recovery) {
        List<Category> categories = new ArrayList<>();
        for (WasteCategory c : WasteCategory.values()) {
            BigDecimal recovered = BigDecimal.ZERO;
            if (recovery != null) {
                for (Recovery.Line l : recovery) {
                    if (l.category().equals(name(c)) && l.recoveredMonthlyUsd() != null) {
                        recovered = recovered.add(l.recoveredMonthlyUsd());
                    }
                }
            }
            categories.add(new Category(
                    name(c),
                    recovered,
                    current.recoverable().getOrDefault(c, BigDecimal.ZERO),
                    current.atRisk().getOrDefault(c, BigDecimal.ZERO)));
        }
        return new WasteSummary(
                categories, current.score(), current.source(), recovery != null, recovery, current.recoverableTotal());
    }

    static Optional<Analysis> parse(byte[] bytes, String source) {
        try {
            JsonNode root = JSON.readTree(bytes);
            Map<WasteCategory, BigDecimal> recoverable = new EnumMap<>(WasteCategory.class);
            AtRisk atRisk = new AtRisk();
            List<FindingLifecycle.Seen> seen = new ArrayList<>();
            for (JsonNode f : root.path("findings")) {
                WasteCategory category = WasteCategory.parse(f.path("category").asText());
                if (f.hasNonNull("id")) {
                    JsonNode scope = f.path("scope");
                    JsonNode evidence = f.path("evidence");
                    seen.add(new FindingLifecycle.Seen(
                            f.get("id").asText(),
                            category,
                            scope.path("type").asText(null),
                            scope.path("value").asText(null),
                            scope.hasNonNull("feature") ? scope.get("feature").asText() : null,
                            scope.hasNonNull("model") ? scope.get("model").asText() : null,
                            evidence.hasNonNull("first_seen")
                                    ? Instant.parse(evidence.get("first_seen").asText())
                                    : null,
                            evidence.hasNonNull("last_seen")
                                    ? Instant.parse(evidence.get("last_seen").asText())
                                    : null,
                            new BigDecimal(f.path("monthly_savings_usd").asText("0"))));
                }
                recoverable.merge(
                        category, new BigDecimal(f.path("monthly_savings_usd").asText("0")), BigDecimal::add);
                JsonNode cap = f.path("evidence").path(Finding.SCOPE_AT_RISK_DETAIL);
                atRisk.add(
                        category,
                        f.path("scope").path("type").asText("") + "\u0000"
                                + f.path("scope").path("value").asText(""),
                        new BigDecimal(f.path("monthly_spend_at_risk_usd").asText("0")),
                        cap.isTextual() || cap.isNumber() ? new BigDecimal(cap.asText()) : null);
            }
            JsonNode score = root.path("efficiency_score").path("overall");
            if (!score.isNumber()) {
                return Optional.empty();
            }
            JsonNode to = root.path("window").path("to");
            JsonNode total = root.path("monthly_savings_usd");
            return Optional.of(new Analysis(
                    recoverable,
                    atRisk.byCategory(),
                    score.asInt(),
                    source,
                    seen,
                    to.isTextual() ? Instant.parse(to.asText()) : null,
                    total.isTextual() || total.isNumber() ? new BigDecimal(total.asText()) : null));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Spend at risk per category with each call counted once: per scope (a key), its findings' figures added, but
     * never more than the scope's own at-risk spend when the findings state it ({@link Finding#SCOPE_AT_RISK_DETAIL});
     * a call on a key with no budget and no department is in two findings of the key.
     */
    private static final class AtRisk {
        private final Map<WasteCategory, Map<String, BigDecimal[]>> scopes = new EnumMap<>(WasteCategory.class);

        void add(WasteCategory category, String scope, BigDecimal usd, BigDecimal cap) {
            BigDecimal[] s = scopes.computeIfAbsent(category, k -> new java.util.LinkedHashMap<>())
                    .computeIfAbsent(scope, k -> new BigDecimal[] {BigDecimal.ZERO, null});
            s[0] = s[0].add(usd);
            if (cap != null) {
                s[1] = s[1] == null ? cap : s[1].min(cap);
            }
        }

        Map<WasteCategory, BigDecimal> byCategory() {
            Map<WasteCategory, BigDecimal> out = new EnumMap<>(WasteCategory.class);
            scopes.forEach((category, byScope) -> {
                BigDecimal sum = BigDecimal.ZERO;
                for (BigDecimal[] s : byScope.values()) {
                    sum = sum.add(s[1] == null ? s[0] : s[0].min(s[1]));
                }
                out.put(category, sum);
            });
            return out;
        }
    }

    /** {@code model_mismatch} as {@code model mismatch}. */
    static String name(WasteCategory c) {
        return c.label().replace('_', ' ').toLowerCase(Locale.ROOT);
    }

    /**
     * What the resolved findings recovered together per month, each call counted once (see {@link Recovery#total});
     * the categories' figures are each finding's own and overlap, so they may add up to more.
     */
    public BigDecimal totalRecoveredUsd() {
        return Recovery.total(recovery);
    }

    /**
     * What is recoverable per month with each call counted once; the categories' sum when the analysis did not say
     * (never more than that sum).
     */
    public BigDecimal totalRecoverableUsd() {
        BigDecimal summed = categories.stream().map(Category::recoverableUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
        return recoverableTotalUsd == null ? summed : recoverableTotalUsd.min(summed);
    }

    public BigDecimal totalAtRiskUsd() {
        return categories.stream().map(Category::atRiskUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
    }
}
