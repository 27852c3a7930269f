package dev.spendgate.cli;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.routing.AppliedChange;
import dev.spendgate.domain.routing.FindingFixes;
import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.routing.GatewayPolicyStore;
import dev.spendgate.domain.routing.PolicyFileException;
import dev.spendgate.domain.simulate.GatewayPolicyReplay;
import dev.spendgate.domain.simulate.HourlyTimeOrder;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.waste.Finding;
import dev.spendgate.domain.waste.WasteReport;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Applying a waste finding's fix, shared by {@code advisor apply} and the console's Apply button: find the finding in
 * a window's analysis, build its policy change, check it as the gateway will load it, replay the window under the
 * change alone to say what it would have saved ({@link #plan}), then write it with who applied it and when
 * ({@link #apply}).
 */
final class FindingApply {
    private FindingApply() {}

    /** Why a finding cannot be applied; the message is for the user. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }
    }

    /** A change ready to apply, with what the simulator says it would have saved over {@code [start, end)}. */
    record Plan(
            Finding finding,
            FindingFixes.Fix fix,
            GatewayPolicy next,
            GatewayPolicyReplay.Result simulated,
            Instant start,
            Instant end) {
        BigDecimal wouldHaveSavedUsd() {
            return simulated.savedUsd();
        }

        long calls() {
            return simulated.rules().stream()
                    .mapToLong(GatewayPolicyReplay.RuleResult::calls)
                    .sum();
        }

        /** Prompt caching is not replayed (cache reads depend on the provider): the detector's estimate stands. */
        boolean replayed() {
            return !fix.change().equals("prompt_caching");
        }
    }

    /** The findings of {@code report} that carry a ready policy change. */
    static List<Finding> applicable(WasteReport report, PricingCatalog catalog) {
        return report.findings().stream()
                .filter(f -> fix(f, catalog).isPresent())
                .toList();
    }

    static Optional<FindingFixes.Fix> fix(Finding f, PricingCatalog catalog) {
        try {
            return Optional.of(FindingFixes.forFinding(f, catalog, null));
        } catch (FindingFixes.NoFixException e) {
            return Optional.empty();
        }
    }

    /**
     * The finding of {@code findingId}; also of the id it had before its prompt was part of it (a context-bloat id
     * without {@code /prompt:}) when exactly one finding had it, so a script written then still applies it.
     */
    private static Finding find(WasteReport report, String findingId, Instant start, Instant end) {
        Optional<Finding> exact =
                report.findings().stream().filter(f -> f.id().equals(findingId)).findFirst();
        if (exact.isPresent()) {
            return exact.get();
        }
        List<Finding> legacy = report.findings().stream()
                .filter(f -> !f.id().equals(Finding.legacyId(f.id()))
                        && Finding.legacyId(f.id()).equals(findingId))
                .toList();
        if (legacy.size() == 1) {
            return legacy.get(0);
        }
        if (legacy.size() > 1) {
            throw new Refused("finding " + findingId + " is now " + legacy.size() + " findings, one per system prompt: "
                    + String.join(", ", legacy.stream().map(Finding::id).toList()));
        }
        throw new Refused("no finding " + findingId + " from " + start + " to " + end);
    }

    /**
     * The change for {@code findingId}, simulated over the report's window from the usage log in {@code usage}.
     *
     * @throws Refused when the finding is not in the report, has no gateway fix, or the current policy is invalid
     */
    static Plan plan(
            WasteReport report,
            String findingId,
            BigDecimal share,
            PricingCatalog catalog,
            GatewayPolicyStore store,
            ObjectStore usage,
            Instant start,
            Instant end) {
        Finding finding = find(report, findingId, start, end);
        FindingFixes.Fix fix;
        try {
            fix = FindingFixes.forFinding(finding, catalog, share);
        } catch (FindingFixes.NoFixException e) {
            throw new Refused(e.getMessage());
        }
        GatewayPolicy current;
        try {
            current = store.load();
        } catch (PolicyFileException e) {
            throw new Refused("the current gateway policy is invalid (" + e.getMessage() + "); fix it first");
        }
        GatewayPolicy next = fix.applyTo(current);
        GatewayPolicy.parse(next.toJson()); // the change must pass the gateway's own load-time checks
        GatewayPolicyReplay replay = GatewayPolicyReplay.create(catalog, fix.policyWithOnlyIt());
        // in the order the calls started, as simulate-policy replays them: the cache keeps an answer from its call's
        // end
        HourlyTimeOrder ordered = HourlyTimeOrder.to(replay::apply);
        UsageLogReader.create(usage).read(start, end, ordered);
        ordered.flush();
        return new Plan(finding, fix, next, replay.result(), start, end);
    }

    /**
     * Writes the planned change, recorded with who applied it and when, onto the policy stored at that moment (not
     * the one read when planning): a change applied meanwhile, from the console or another {@code advisor apply},
     * stays.
     *
     * @throws Refused when the stored policy became invalid, or the change no longer passes with what it now holds
     */
    static AppliedChange apply(Plan plan, GatewayPolicyStore store, String by, Instant now) {
        AppliedChange applied = new AppliedChange(
                plan.fix().findingId(),
                plan.fix().change(),
                plan.fix().ruleId(),
                by == null || by.isBlank() ? "unknown" : by,
                now,
                plan.replayed() ? plan.wouldHaveSavedUsd() : plan.finding().windowSavingsUsd(),
                plan.start() + "/" + plan.end());
        try {
            store.update(current -> {
                GatewayPolicy next = plan.fix().applyTo(current);
                GatewayPolicy.parse(next.toJson()); // the gateway's own load-time checks, with what is there now
                return next.withApplied(applied);
            });
        } catch (PolicyFileException e) {
            throw new Refused("the current gateway policy is invalid (" + e.getMessage() + "); fix it first");
        }
        return applied;
    }
}
