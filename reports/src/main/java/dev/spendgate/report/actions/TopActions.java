package dev.spendgate.report.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.waste.Finding;
import dev.spendgate.domain.waste.Owner;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The board report's "top actions": the waste findings worth the most per month, each with the change to make, what
 * it is worth per month and who owns it (the department and cost centre the chargeback rules give the finding's
 * scope). Taken from the month's waste analysis, or from the waste detector's stored findings document.
 */
public final class TopActions {
    /** How many actions the box shows. */
    public static final int COUNT = 3;

    private static final ObjectMapper JSON = new ObjectMapper();

    private TopActions() {}

    /**
     * One action.
     *
     * @param department null when the finding's owner is not known
     * @param costCentre null when not known; the suspense cost centre when no chargeback rule matched
     */
    public record Action(
            String findingId,
            String category,
            String change,
            BigDecimal monthlyUsd,
            String department,
            String costCentre,
            String ownerBasis) {
        public Action {
            Objects.requireNonNull(findingId, "findingId");
            Objects.requireNonNull(change, "change");
            Objects.requireNonNull(monthlyUsd, "monthlyUsd");
        }

        /** "support (cost centre CC-200)", or what is known of it. */
        public String owner() {
            if (department == null && costCentre == null) {
                return "owner unknown";
            }
            return (department == null ? "no department" : department)
                    + (costCentre == null ? "" : " (cost centre " + costCentre + ")");
        }
    }

    /** The {@code n} findings with the highest monthly savings (ties: by id), as actions. */
    public static List<Action> of(List<Finding> findings, int n) {
        List<Action> all = new ArrayList<>();
        for (Finding f : findings) {
            if (f.monthlySavingsUsd().signum() <= 0) {
                continue;
            }
            Owner o = f.owner();
            all.add(new Action(
                    f.id(),
                    f.category().label(),
                    f.recommendation(),
                    f.monthlySavingsUsd(),
                    o == null ? null : o.department(),
                    o == null ? null : o.costCentre(),
                    o == null ? null : o.basis()));
        }
        return top(all, n);
    }

    /** The same from a stored findings document ({@code findings/YYYY-MM-DD.json}); empty when it has none. */
    public static List<Action> ofStored(byte[] document, int n) {
        List<Action> all = new ArrayList<>();
        try {
            for (JsonNode f : JSON.readTree(document).path("findings")) {
                BigDecimal monthly =
                        new BigDecimal(f.path("monthly_savings_usd").asText("0"));
                if (monthly.signum() <= 0 || !f.hasNonNull("id") || !f.hasNonNull("recommendation")) {
                    continue;
                }
                JsonNode o = f.path("owner");
                all.add(new Action(
                        f.get("id").asText(),
                        f.path("category").asText(""),
                        f.get("recommendation").asText(),
                        monthly,
                        o.hasNonNull("department") ? o.get("department").asText() : null,
                        o.hasNonNull("cost_centre") ? o.get("cost_centre").asText() : null,
                        o.hasNonNull("basis") ? o.get("basis").asText() : null));
            }
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        return top(all, n);
    }

    private static final java.util.regex.Pattern BREAKER =
            java.util.regex.Pattern.compile("set the breaker (SPENDGATE_[A-Z_]+) to \\d+( \\([^)]*\\))?");

    /**
     * The actions with every breaker value they advise replaced by the report's one value for that setting (derived
     * from the month's rates, {@link BreakerAdvice}), so the report never advises two values for one breaker.
     */
    public static List<Action> withBreakers(List<Action> actions, List<BreakerAdvice.Advice> breakers) {
        if (breakers.isEmpty()) {
            return actions;
        }
        List<Action> out = new ArrayList<>();
        for (Action a : actions) {
            java.util.regex.Matcher m = BREAKER.matcher(a.change());
            StringBuilder change = new StringBuilder();
            while (m.find()) {
                String setting = m.group(1);
                String replacement = breakers.stream()
                        .filter(b -> b.setting().equals(setting))
                        .findFirst()
                        .map(b -> "set the breaker " + setting + " to " + b.value() + " (this report's value for every "
                                + b.scope() + ", from the month's rates)")
                        .orElse(m.group());
                m.appendReplacement(change, java.util.regex.Matcher.quoteReplacement(replacement));
            }
            m.appendTail(change);
            out.add(new Action(
                    a.findingId(),
                    a.category(),
                    change.toString(),
                    a.monthlyUsd(),
                    a.department(),
                    a.costCentre(),
                    a.ownerBasis()));
        }
        return out;
    }

    private static List<Action> top(List<Action> all, int n) {
        return all.stream()
                .sorted(Comparator.comparing(Action::monthlyUsd).reversed().thenComparing(Action::findingId))
                .limit(n)
                .toList();
    }
}
