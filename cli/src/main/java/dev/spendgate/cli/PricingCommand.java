package dev.spendgate.cli;

import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.CatalogDiff;
import dev.spendgate.domain.pricing.LongContext;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.Rates;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageSummary;
import dev.spendgate.embedded.FileSystemObjectStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code spendgate pricing show|check}: what a model costs, and what a newer catalog would change. */
@Command(
        name = "pricing",
        description = "Show the prices a model is billed at, or check a newer catalog or an override file.",
        subcommands = {PricingCommand.Show.class, PricingCommand.Check.class})
final class PricingCommand {

    /** A rate in USD per 1M tokens with at least two decimals, or '-' when there is none. */
    static String rate(BigDecimal value) {
        if (value == null) {
            return "-";
        }
        BigDecimal s = value.stripTrailingZeros();
        return s.setScale(Math.max(2, s.scale())).toPlainString();
    }

    /** The option naming the customer's override file, like the gateway's SPENDGATE_PRICING_OVERRIDES. */
    static final class OverridesOption {
        @Option(
                names = "--overrides",
                paramLabel = "FILE",
                defaultValue = "${env:SPENDGATE_PRICING_OVERRIDES:-}",
                description = "Pricing overrides applied on top of the bundled catalog, as the gateway applies them"
                        + " (env SPENDGATE_PRICING_OVERRIDES).")
        String overrides;

        @Spec(Spec.Target.MIXEE)
        CommandSpec mixee;

        PricingCatalog current() {
            return applyTo(PricingCatalog.bundled());
        }

        /**
         * {@code base} (the bundled catalog, or a newer release of it) with the override file in use, if any; a file
         * that cannot be read or is malformed is a usage error naming --overrides.
         */
        PricingCatalog applyTo(PricingCatalog base) {
            if (overrides == null || overrides.isBlank()) {
                return base;
            }
            try {
                return base.withOverrides(Path.of(overrides));
            } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
                throw new ParameterException(mixee.commandLine(), "--overrides: " + e.getMessage());
            }
        }
    }

    @Command(name = "show", description = "Print every rate a model is billed at, with its source and dates.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        OverridesOption overrides;

        @Parameters(paramLabel = "MODEL", description = "Model id, alias, dated snapshot or Bedrock profile id.")
        String model;

        @Option(
                names = "--provider",
                paramLabel = "NAME",
                description = "Catalog provider (openai, anthropic, bedrock, gemini); default: every one that has it.")
        String provider;

        @Override
        public Integer call() {
            PricingCatalog catalog = overrides.current();
            PrintWriter out = spec.commandLine().getOut();
            List<String> providers = provider != null
                    ? List.of(provider)
                    : catalog.models().stream()
                            .map(ModelPrice::provider)
                            .distinct()
                            .toList();
            int shown = 0;
            for (String p : providers) {
                var versions = catalog.versions(p, model);
                if (versions.isEmpty()) {
                    continue;
                }
                List<ModelPrice> list = versions.get();
                print(out, list.get(list.size() - 1), list);
                shown++;
            }
            if (shown == 0) {
                spec.commandLine()
                        .getErr()
                        .println("spendgate: model '" + model + "' is not in the pricing catalog " + catalog.version()
                                + (provider != null ? " for provider '" + provider + "'" : "")
                                + "; its calls are recorded as unpriced. Add it with SPENDGATE_PRICING_OVERRIDES.");
                return 1;
            }
            out.println("Catalog " + catalog.version() + ". USD per 1M tokens.");
            out.flush();
            return 0;
        }

        private static void print(PrintWriter out, ModelPrice p, List<ModelPrice> versions) {
            out.println(p.provider() + "/" + p.model()
                    + (p.aliases().isEmpty() ? "" : "  (also " + String.join(", ", p.aliases()) + ")"));
            out.println("  effective " + p.effectiveDate() + "  source " + p.sourceUrl());
            if (p.deprecatedDate() != null || p.retiredDate() != null) {
                out.println("  deprecated " + orDash(p.deprecatedDate()) + "  retired " + orDash(p.retiredDate()));
            }
            Table table = new Table("RATES", "INPUT", "CACHED_INPUT", "CACHE_WRITE_5M", "CACHE_WRITE_1H", "OUTPUT")
                    .alignRight(1, 2, 3, 4, 5);
            table.row(cells("standard", p.standardRates()));
            new TreeMap<>(p.serviceTierRates()).forEach((tier, rates) -> table.row(cells(tier, rates)));
            LongContext lc = p.longContext();
            if (lc != null) {
                String above = "> " + lc.thresholdInputTokens() + " input";
                table.row(cells("standard " + above, lc.rates()));
                new TreeMap<>(lc.serviceTierRates())
                        .forEach((tier, rates) -> table.row(cells(tier + " " + above, rates)));
            }
            table.print(out);
            out.println("  A '-' rate is charged at the input rate (the provider has no separate price for it).");
            if (lc != null) {
                out.println("  Above " + lc.thresholdInputTokens()
                        + " input tokens (cache reads and writes included) the whole request is billed at the"
                        + " long-context rates.");
            }
            if (p.webSearchPer1k() != null) {
                out.println("  Web searches: " + rate(p.webSearchPer1k())
                        + " USD per 1,000 (web_search_per_1k), added to the token cost at every tier and region.");
            }
            if (p.webSearchPreviewPer1k() != null) {
                out.println("  Web search preview calls: " + rate(p.webSearchPreviewPer1k())
                        + " USD per 1,000 (web_search_preview_per_1k), added to the token cost at every tier and"
                        + " region.");
            }
            if (!p.regionMultipliers().isEmpty()) {
                out.println("  Region multipliers: " + new TreeMap<>(p.regionMultipliers()));
            }
            if (versions.size() > 1) {
                List<String> older = new ArrayList<>();
                for (ModelPrice v : versions.subList(0, versions.size() - 1)) {
                    older.add(v.effectiveDate() + " (input " + rate(v.input()) + ", output " + rate(v.output()) + ")");
                }
                out.println("  Earlier rate cards, used for calls before " + p.effectiveDate() + ": "
                        + String.join("; ", older));
            }
        }

        private static String[] cells(String name, Rates r) {
            return new String[] {
                name,
                rate(r.input()),
                rate(r.cachedInput()),
                rate(r.cacheWrite5m()),
                rate(r.cacheWrite1h()),
                rate(r.output())
            };
        }

        private static String orDash(LocalDate date) {
            return date == null ? "-" : date.toString();
        }
    }

    @Command(
            name = "check",
            description = "Compare a newer catalog file (or an override file) with the prices in use: lists changed,"
                    + " added and retired prices and what they would have changed last month's spend.")
    static final class Check implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        SpendgateCli.DataDirOption dir;

        @Mixin
        OverridesOption overrides;

        @Parameters(
                paramLabel = "FILE",
                description =
                        "A whole catalog (with catalog_version) or an override file (models, discounts, aliases).")
        Path file;

        @Option(
                names = "--month",
                paramLabel = "YYYY-MM",
                description = "Month of usage to re-price (default: last month, UTC).")
        String month;

        @Override
        public Integer call() throws IOException {
            if (!Files.isRegularFile(file)) {
                throw new ParameterException(spec.commandLine(), "FILE: " + file + " is not a readable file");
            }
            dir.requireExisting(spec);
            YearMonth m;
            try {
                m = month == null ? YearMonth.now(ZoneOffset.UTC).minusMonths(1) : YearMonth.parse(month);
            } catch (DateTimeParseException e) {
                throw new ParameterException(spec.commandLine(), "--month must look like 2026-11");
            }
            PricingCatalog current = overrides.current();
            PricingCatalog candidate;
            try {
                // checked as the gateway would price with it: a newer catalog with the override file in use; an
                // override file instead of the one in use (the gateway takes one, on the bundled catalog)
                candidate = Files.readString(file).contains("\"catalog_version\"")
                        ? overrides.applyTo(PricingCatalog.read(file))
                        : PricingCatalog.bundled().withOverrides(file);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "FILE: " + e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(
                    "Prices in use: " + current.version() + "; checked: " + candidate.version() + " (" + file + ")");
            CatalogDiff diff = CatalogDiff.between(current, candidate);
            out.println("Changed: " + diff.changed().size());
            for (CatalogDiff.Changed c : diff.changed()) {
                out.println("  " + c.after().provider() + "/" + c.after().model() + " (effective "
                        + c.after().effectiveDate() + "): " + String.join(", ", c.changes()));
            }
            out.println("Added: " + diff.added().size());
            for (ModelPrice p : diff.added()) {
                out.println("  " + p.provider() + "/" + p.model() + "  input "
                        + p.input().toPlainString()
                        + "  output " + p.output().toPlainString() + "  (effective " + p.effectiveDate() + ", "
                        + p.sourceUrl() + ")");
            }
            out.println("Retired: " + diff.retired().size());
            for (CatalogDiff.Retired r : diff.retired()) {
                out.println("  " + r.price().provider() + "/" + r.price().model()
                        + (r.removed()
                                ? "  removed from the catalog: its calls would become unpriced"
                                : "  retired on " + r.on()));
            }
            reprice(out, m, current, candidate);
            out.flush();
            return 0;
        }

        /** Re-prices a month of recorded calls with both catalogs, at each call's own time and served tier. */
        private void reprice(PrintWriter out, YearMonth m, PricingCatalog current, PricingCatalog candidate) {
            Instant from = m.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            Instant to = m.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            CallPricer now = CallPricer.create(current);
            CallPricer next = CallPricer.create(candidate);
            Map<String, BigDecimal[]> byModel = new TreeMap<>();
            BigDecimal[] totals = {BigDecimal.ZERO, BigDecimal.ZERO};
            long[] counts = new long[3]; // calls, unpriced now, unpriced with the candidate
            long[] worstCase = new long[1];
            BigDecimal[] worstCaseUsd = {BigDecimal.ZERO};
            long[] oneSided = new long[1]; // calls priced with one catalog only
            BigDecimal[] oneSidedUsd = {BigDecimal.ZERO, BigDecimal.ZERO};
            UsageLogReader.ReadStats stats = UsageLogReader.create(new FileSystemObjectStore(dir.dataDir))
                    .read(from, to, r -> {
                        if (r.pricingStatus() == UsageRecord.PricingStatus.NOT_BILLABLE) {
                            return;
                        }
                        if (r.worstCaseEstimate() && r.costUsd() != null) {
                            // no tokens to re-price: kept at the worst case recorded, in both columns
                            counts[0]++;
                            worstCase[0]++;
                            worstCaseUsd[0] = worstCaseUsd[0].add(r.costUsd());
                            totals[0] = totals[0].add(r.costUsd());
                            totals[1] = totals[1].add(r.costUsd());
                            return;
                        }
                        if (UsageSummary.unanswered(r)) {
                            // sent, but no answer arrived whole: no tokens to re-price, its cost unknown with both
                            counts[0]++;
                            counts[1]++;
                            counts[2]++;
                            return;
                        }
                        CallPricer.Call call = new CallPricer.Call(
                                r.pricedProvider(),
                                r.pricedModel(), // as the gateway priced it (an older InvokeModel record: its path)
                                r.modelRequested(),
                                r.tokens(),
                                r.usageSource() == UsageRecord.UsageSource.PROVIDER,
                                r.billing().serviceTierServed(),
                                r.billing().serviceTierRequested(),
                                r.billing().inferenceGeo(),
                                r.tsStart());
                        CallPricer.Priced a = now.price(call);
                        CallPricer.Priced b = next.price(call);
                        counts[0]++;
                        counts[1] += a.priced() ? 0 : 1;
                        counts[2] += b.priced() ? 0 : 1;
                        if (!a.priced() || !b.priced()) {
                            // unpriced in either catalog: in neither total, so a model dropped from the checked
                            // catalog is not shown as a saving (nor a newly priced one as a rise)
                            if (a.priced() || b.priced()) {
                                oneSided[0]++;
                                oneSidedUsd[0] = oneSidedUsd[0].add(a.priced() ? a.cost() : BigDecimal.ZERO);
                                oneSidedUsd[1] = oneSidedUsd[1].add(b.priced() ? b.cost() : BigDecimal.ZERO);
                            }
                            return;
                        }
                        BigDecimal ca = a.cost();
                        BigDecimal cb = b.cost();
                        totals[0] = totals[0].add(ca);
                        totals[1] = totals[1].add(cb);
                        BigDecimal[] sums = byModel.computeIfAbsent(r.pricedProvider() + "/" + r.pricedModel(), k ->
                                new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
                        sums[0] = sums[0].add(ca);
                        sums[1] = sums[1].add(cb);
                    });
            out.println("Effect on " + m + " (" + counts[0] + " billable calls in " + dir.dataDir + ", "
                    + stats.objects() + " log objects), each call re-priced at its own time and served tier:");
            if (counts[0] == 0) {
                out.println("  no calls recorded that month");
                ReadWarnings.print(spec, stats);
                return;
            }
            Table table = new Table("MODEL", "COST_NOW_USD", "COST_CHECKED_USD", "DIFFERENCE_USD").alignRight(1, 2, 3);
            byModel.forEach((model, sums) -> {
                if (sums[0].compareTo(sums[1]) != 0) {
                    table.row(model, plain(sums[0]), plain(sums[1]), plain(sums[1].subtract(sums[0])));
                }
            });
            table.row("TOTAL", plain(totals[0]), plain(totals[1]), plain(totals[1].subtract(totals[0])));
            table.print(out);
            if (counts[1] > 0 || counts[2] > 0) {
                out.println("  Unpriced calls (not in the totals): " + counts[1] + " now, " + counts[2]
                        + " with the checked file.");
            }
            if (oneSided[0] > 0) {
                out.println("  Of them, " + oneSided[0] + " calls are priced with one catalog only ($"
                        + plain(oneSidedUsd[0]) + " now, $" + plain(oneSidedUsd[1])
                        + " with the checked file): left out of both totals, so the difference compares like with"
                        + " like.");
            }
            if (worstCase[0] > 0) {
                out.println("  Worst-case estimates of calls that never settled (cost_basis reserved_worst_case, no"
                        + " tokens to re-price): " + worstCase[0] + " calls, $" + plain(worstCaseUsd[0])
                        + ", in the totals at their recorded cost in both columns.");
            }
            ReadWarnings.print(spec, stats);
        }

        private static String plain(BigDecimal value) {
            BigDecimal s = value.stripTrailingZeros();
            return (s.scale() < 0 ? s.setScale(0) : s).toPlainString();
        }
    }
}
