package dev.spendgate.domain.reconcile;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.Rates;
import dev.spendgate.domain.pricing.ServiceTiers;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.CellKey;
import dev.spendgate.domain.report.CellTotals;
import dev.spendgate.domain.report.MonthlyUsage;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Matches provider bills to the gateway's metered cost per UTC day, provider and model, and explains each difference.
 *
 * <p>For a model's token line: tokens the provider counted beyond the provider-reported ones the gateway saw go first
 * to the calls the gateway charged at an estimate ({@link Explanation#ESTIMATE_SETTLED_BY_BILL}: up to the tokens it
 * counted for its cut streams, then up to the worst case reserved for calls that never settled), and the rest are {@link
 * Explanation#NOT_SEEN_BY_GATEWAY} (priced per token kind at the catalog's per-token rates of the line's tier, standard
 * or batch, never at the per-request long-context rates, or at the provider's implied price when the catalog does not know the model); what remains is {@link Explanation#ROUNDING} within half a unit of the last decimal of each bill
 * line summed into the line,
 * else {@link Explanation#PRICE_DRIFT} when the provider billed no fewer tokens of any kind than the gateway metered,
 * else {@link Explanation#UNEXPLAINED}. Without provider token counts a difference beyond rounding is unexplained.
 */
public final class Reconciler {
    /** The default alarm threshold: unexplained differences above 2 % of a provider's bill. */
    public static final BigDecimal DEFAULT_THRESHOLD_PERCENT = BigDecimal.valueOf(2);

    static final BigDecimal FLOAT_NOISE = new BigDecimal("0.000000001");
    private static final BigDecimal TWO = BigDecimal.valueOf(2);
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    private static final Pattern REGION = Pattern.compile("^(us|eu|apac|global|us-gov|jp|au|ca)\\.");
    private static final Pattern VENDOR = Pattern.compile("^(anthropic|amazon|meta|mistral|cohere|ai21|deepseek)\\.");
    private static final Pattern DATE = Pattern.compile("-\\d{8}");
    private static final Pattern VERSION = Pattern.compile("-v\\d+(:\\d+)?$");
    private static final Pattern NON_ALNUM = Pattern.compile("[^a-z0-9]");
    private static final Pattern DIGITS = Pattern.compile("[0-9]");
    private static final Pattern LETTERS = Pattern.compile("[a-z]");
    private static final String BATCH = ProviderCharge.BATCH;
    private static final String BATCH_TIER = ServiceTiers.BATCH;

    private final PricingCatalog catalog;
    private final BigDecimal thresholdPercent;

    private Reconciler(PricingCatalog catalog, BigDecimal thresholdPercent) {
        this.catalog = Objects.requireNonNull(catalog, "catalog");
        this.thresholdPercent = Objects.requireNonNull(thresholdPercent, "thresholdPercent");
        if (thresholdPercent.signum() < 0) {
            throw new IllegalArgumentException("thresholdPercent must not be negative");
        }
    }

    public static Reconciler create(PricingCatalog catalog, BigDecimal thresholdPercent) {
        return new Reconciler(catalog, thresholdPercent);
    }

    /**
     * Compares the bills with the metered month up to {@code through} (inclusive). Providers without a bill are not
     * compared.
     */
    public Reconciliation reconcile(MonthlyUsage metered, LocalDate through, List<ProviderBill> bills) {
        Objects.requireNonNull(metered, "metered");
        LocalDate first = metered.month().atDay(1);
        LocalDate last = metered.month().atEndOfMonth();
        if (through == null || through.isAfter(last)) {
            through = last;
        }
        if (through.isBefore(first)) {
            throw new IllegalArgumentException("through " + through + " is before " + metered.month());
        }
        List<ReconciliationLine> lines = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<BillSource, Reconciliation.Totals> totals = new EnumMap<>(BillSource.class);
        Map<BillSource, List<LocalDate>> withoutCostData = new EnumMap<>(BillSource.class);
        Map<BillSource, ProviderBill> bySource = new EnumMap<>(BillSource.class);
        for (ProviderBill bill : bills) {
            if (bySource.put(bill.source(), bill) != null) {
                throw new IllegalArgumentException(
                        "two bills for " + bill.source().id() + ": merge them first");
            }
        }
        for (ProviderBill bill : bySource.values()) {
            for (String w : bill.warnings()) {
                warnings.add(bill.source().id() + ": " + w);
            }
            List<LocalDate> missing = first.datesUntil(through.plusDays(1))
                    .filter(d -> !bill.costDays().contains(d))
                    .toList();
            withoutCostData.put(bill.source(), missing);
            if (!missing.isEmpty()) {
                warnings.add(bill.source().id() + ": the cost data has no day " + ranges(missing)
                        + "; metered cost on those days is shown as no_provider_data and left out of the difference");
            }
            if (!bill.usage().isEmpty()) {
                List<LocalDate> noUsage = first.datesUntil(through.plusDays(1))
                        .filter(d ->
                                bill.costDays().contains(d) && !bill.usageDays().contains(d))
                        .toList();
                if (!noUsage.isEmpty()) {
                    warnings.add(bill.source().id() + ": the usage data has no day " + ranges(noUsage)
                            + "; differences on those days cannot be split into traffic not seen and price drift");
                }
            } else if (!bill.hasTokenCounts()) {
                warnings.add(bill.source().id() + ": no token counts (usage report) given; differences cannot be"
                        + " split into traffic not seen by the gateway and price drift, so they count as unexplained");
            }
            outsideTheMonth(bill, first, last).ifPresent(warnings::add);
            Reconciliation.Totals t = Reconciliation.Totals.zero(bill.source());
            for (ReconciliationLine line : compare(bill, metered, first, through)) {
                lines.add(line);
                t = t.plus(line);
            }
            totals.put(bill.source(), t);
        }
        // A damaged usage log leaves its calls off the metered side, where they would pass for calls the gateway
        // never saw: every line and the warnings say what the metering rests on.
        dev.spendgate.domain.usage.UsageLogReader.ReadStats read = metered.readStats();
        if (read != null && (read.unreadableObjects() > 0 || read.malformedLines() > 0)) {
            String note = "metered from a damaged usage log: " + read.unreadableObjects() + " damaged objects, "
                    + read.malformedLines() + " unreadable lines, their calls missing from metered ("
                    + String.join(" | ", read.warnings().stream().limit(3).toList()) + ")";
            warnings.add(note);
            lines.replaceAll(l -> l.withDataQualityNote(note));
        }
        lines.sort(Comparator.comparing(ReconciliationLine::source)
                .thenComparing(ReconciliationLine::day)
                .thenComparing(l -> l.model() == null ? "" : l.model())
                .thenComparing(ReconciliationLine::item));
        return new Reconciliation(metered.month(), through, lines, totals, warnings, thresholdPercent, withoutCostData);
    }

    /**
     * The bill's lines dated outside the month, named: corrections of an earlier period (FOCUS ChargeClass {@code
     * Correction}: a refund on this month's invoice for last month's usage) are reconciled with no day of this month,
     * so they are said rather than silently left out.
     */
    private static java.util.Optional<String> outsideTheMonth(ProviderBill bill, LocalDate first, LocalDate last) {
        List<ProviderCharge> outside = bill.charges().stream()
                .filter(c -> c.day().isBefore(first) || c.day().isAfter(last))
                .toList();
        if (outside.isEmpty()) {
            return java.util.Optional.empty();
        }
        BigDecimal sum = outside.stream().map(ProviderCharge::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
        String examples = outside.stream()
                .limit(3)
                .map(c -> c.day() + ": " + c.costUsd().toPlainString() + " USD"
                        + (c.description() == null ? "" : " (" + c.description() + ")"))
                .collect(java.util.stream.Collectors.joining("; "));
        return java.util.Optional.of(bill.source().id() + ": " + outside.size() + " line(s) dated outside "
                + YearMonth.from(first) + ", " + sum.toPlainString() + " USD in all, are not reconciled here"
                + " (corrections of another period): " + examples + (outside.size() > 3 ? "; ..." : ""));
    }

    private record LineKey(LocalDate day, String match, String item) {}

    private static final class Acc {
        String model;
        String gatewayModel;
        final Map<String, BigDecimal> accounts = new TreeMap<>();
        final Map<TokenKind, BigDecimal> billedByKind = new EnumMap<>(TokenKind.class);
        final Map<TokenKind, Long> chargedTokens = new EnumMap<>(TokenKind.class);
        boolean chargesCarryTokens = true;
        int chargeCount;
        BigDecimal tolerance = BigDecimal.ZERO;
        BigDecimal billed = BigDecimal.ZERO;
        BigDecimal metered = BigDecimal.ZERO;
        CellTotals gateway = new CellTotals();
        TokenUsage usage;
        long unpricedCalls;
        /** The web-search fee within the cut streams' estimated cost, metered on the tool-calls line instead. */
        BigDecimal estimatedSearchFee = BigDecimal.ZERO;
        /** A token line: the standard tiers' {@code tokens}, or {@code batch} where the gateway recorded batches. */
        boolean tokenLine;
    }

    private List<ReconciliationLine> compare(
            ProviderBill bill, MonthlyUsage metered, LocalDate first, LocalDate through) {
        BillSource source = bill.source();
        Map<LineKey, Acc> accs = new LinkedHashMap<>();
        // where the gateway recorded batch results (day, model): there the bill's batch lines are compared with them;
        // elsewhere they stay never metered (batches made without the gateway)
        Set<LineKey> gatewayBatches = new HashSet<>();
        for (Map.Entry<CellKey, CellTotals> e : metered.cells().entrySet()) {
            CellKey k = e.getKey();
            if (source.covers(k.provider(), k.pricedProvider())
                    && BATCH_TIER.equals(ServiceTiers.canonical(k.serviceTier()))
                    && e.getValue().calls() > 0) {
                gatewayBatches.add(new LineKey(k.day(), k.model() == null ? "" : match(source, k.model()), BATCH));
            }
        }
        for (ProviderCharge c : bill.charges()) {
            if (c.day().isBefore(first) || c.day().isAfter(through)) {
                continue;
            }
            String item = c.metered() ? "tokens" : c.unmeteredItem();
            String match = c.model() == null ? "" : match(source, c.model());
            LineKey key = new LineKey(c.day(), match, item);
            boolean compared = c.metered() || (c.batchTokens() && gatewayBatches.contains(key));
            Acc a = accs.computeIfAbsent(key, k -> new Acc());
            a.tokenLine = a.tokenLine || compared;
            a.model = a.model == null ? c.model() : a.model;
            a.billed = a.billed.add(c.costUsd());
            a.chargeCount++;
            a.tolerance = a.tolerance.add(c.binaryFloatCost() ? FLOAT_NOISE : rounding(c.costUsd()));
            a.accounts.merge(c.account() == null ? "" : c.account(), c.costUsd(), BigDecimal::add);
            if (compared) {
                a.billedByKind.merge(c.tokenKind(), c.costUsd(), BigDecimal::add);
                if (c.tokens() < 0) {
                    a.chargesCarryTokens = false;
                } else {
                    a.chargedTokens.merge(c.tokenKind(), c.tokens(), Long::sum);
                }
            }
        }
        for (Map.Entry<CellKey, CellTotals> e : metered.cells().entrySet()) {
            CellKey k = e.getKey();
            if (!source.covers(k.provider(), k.pricedProvider())
                    || k.day().isBefore(first)
                    || k.day().isAfter(through)
                    || e.getValue().calls() == 0) {
                continue;
            }
            String match = k.model() == null ? "" : match(source, k.model());
            String item = BATCH_TIER.equals(ServiceTiers.canonical(k.serviceTier())) ? BATCH : "tokens";
            Acc a = accs.computeIfAbsent(new LineKey(k.day(), match, item), x -> new Acc());
            a.tokenLine = true;
            a.gatewayModel = a.gatewayModel == null ? k.model() : a.gatewayModel;
            // the web searches' fee is billed on the provider's tool-calls line (no model), not with the tokens
            BigDecimal searchFee = webSearchFee(source, k, e.getValue());
            a.metered = a.metered.add(e.getValue().costUsd().subtract(searchFee));
            // the part of that fee the cut streams' estimated cost holds: compared on the tool-calls line too
            a.estimatedSearchFee = a.estimatedSearchFee.add(
                    webSearchFee(source, k, e.getValue().estimatedTokens()));
            if (searchFee.signum() != 0) {
                Acc tools =
                        accs.computeIfAbsent(new LineKey(k.day(), "", WEB_SEARCH_ITEMS.get(source)), x -> new Acc());
                tools.metered = tools.metered.add(searchFee);
            }
            a.gateway.add(e.getValue());
            a.unpricedCalls += e.getValue().unpricedCalls();
        }
        Map<LineKey, TokenUsage> usage = new HashMap<>();
        for (ProviderUsage u : bill.usage()) {
            LineKey key = new LineKey(u.day(), match(source, u.model()), u.batch() ? BATCH : "tokens");
            if (u.batch() && !gatewayBatches.contains(key)) {
                continue; // batches made without the gateway: their lines are never metered
            }
            usage.merge(key, u.tokens(), Reconciler::plus);
            Acc a = accs.get(key);
            if (a == null && !u.day().isBefore(first) && !u.day().isAfter(through) && !isZero(u.tokens())) {
                a = new Acc();
                a.model = u.model();
                a.tokenLine = true;
                accs.put(key, a);
            }
        }
        List<ReconciliationLine> out = new ArrayList<>();
        for (Map.Entry<LineKey, Acc> e : accs.entrySet()) {
            LineKey key = e.getKey();
            Acc a = e.getValue();
            if (!a.tokenLine) {
                out.add(line(bill, key, a));
                continue;
            }
            if (!bill.usage().isEmpty()) {
                a.usage = bill.usageDays().contains(key.day()) ? usage.getOrDefault(key, TokenUsage.ZERO) : null;
            } else if (a.chargesCarryTokens && a.chargeCount > 0) {
                a.usage = fromKinds(a.chargedTokens);
            } else if (a.chargeCount == 0 && bill.hasTokenCounts()) {
                a.usage = TokenUsage.ZERO; // the bill carries token counts and has none for this line
            }
            out.add(line(bill, key, a));
        }
        return out;
    }

    /**
     * The item of the provider's bill line its web-search fees are on ({@code AnthropicBill}, {@code OpenAiBill}); a
     * source without one keeps them on the tokens line.
     */
    private static final Map<BillSource, String> WEB_SEARCH_ITEMS =
            Map.of(BillSource.ANTHROPIC, "tool calls: web_search", BillSource.OPENAI, "tool calls");

    /** What the cell's priced web searches cost at the catalog's fee, when the bill has a line for them; else 0. */
    private BigDecimal webSearchFee(BillSource source, CellKey k, CellTotals totals) {
        return webSearchFee(source, k, totals.pricedTokens());
    }

    private BigDecimal webSearchFee(BillSource source, CellKey k, TokenUsage tokens) {
        if (tokens.webSearches() == 0 || !WEB_SEARCH_ITEMS.containsKey(source) || k.model() == null) {
            return BigDecimal.ZERO;
        }
        return catalog.find(k.pricedProvider(), k.model())
                .filter(p -> p.webSearchPer1k() != null)
                .map(p -> p.webSearchFee(tokens))
                .orElse(BigDecimal.ZERO);
    }

    private ReconciliationLine line(ProviderBill bill, LineKey key, Acc a) {
        BigDecimal z = BigDecimal.ZERO;
        BillSource source = bill.source();
        String model = a.gatewayModel != null ? a.gatewayModel : a.model;
        if (!a.tokenLine) {
            // the gateway meters web searches only (their fee); the rest of a tool-calls line it never meters
            BigDecimal unmetered = a.billed.subtract(a.metered);
            boolean matched = a.metered.signum() != 0 && unmetered.signum() == 0;
            return new ReconciliationLine(
                    key.day(),
                    source,
                    model,
                    key.item(),
                    a.accounts,
                    a.billed,
                    a.metered,
                    matched ? Explanation.MATCHED : Explanation.NEVER_METERED,
                    z,
                    z,
                    unmetered,
                    z,
                    z,
                    null,
                    null,
                    Map.of(),
                    Map.of(),
                    a.metered.signum() == 0
                            ? "billed by " + source.id() + "; the gateway never meters " + key.item()
                            : "billed by " + source.id() + "; the gateway metered its web searches",
                    z);
        }
        ModelPrice price = model == null
                ? null
                : catalog.find(source.gatewayProvider(), model).orElse(null);
        Rates rates = price == null
                ? null
                : BATCH.equals(key.item()) ? price.serviceTierRates().get(BATCH_TIER) : price.standardRates();
        Map<TokenKind, BigDecimal> catalogPrices = rates == null ? Map.of() : catalogPrices(rates);
        // every token the gateway saw, priced or not: an unpriced model's calls went through it too
        TokenUsage gatewayTokens = a.gateway.allTokens();
        TokenUsage providerTokens = a.usage;
        Map<TokenKind, BigDecimal> implied =
                providerTokens == null ? Map.of() : implied(a.billedByKind, providerTokens);
        StringBuilder quality = new StringBuilder();
        if (!bill.costDays().contains(key.day())) {
            return new ReconciliationLine(
                    key.day(),
                    source,
                    model,
                    key.item(),
                    a.accounts,
                    a.billed,
                    a.metered,
                    Explanation.NO_PROVIDER_DATA,
                    z,
                    z,
                    z,
                    z,
                    z,
                    providerTokens,
                    gatewayTokens,
                    implied,
                    catalogPrices,
                    source.id() + " cost data has no bucket for this day",
                    z);
        }
        quality.append("billed from ").append(source.id()).append(" cost data");
        quality.append(providerTokens == null ? "; no provider token counts" : "; provider token counts");
        if (a.unpricedCalls > 0) {
            quality.append("; ").append(a.unpricedCalls).append(" gateway calls unpriced (cost unknown, not counted)");
        }
        // calls the gateway charged at an estimate: the bill, not the gateway, knows what they cost
        Estimates estimates = Estimates.of(a.gateway).lessSearchFee(a.estimatedSearchFee);
        if (estimates.any()) {
            quality.append("; ").append(estimates.describe());
        }
        BigDecimal difference = a.billed.subtract(a.metered);
        BigDecimal tolerance = a.tolerance;
        BigDecimal notSeen = z;
        BigDecimal settled = z;
        BigDecimal drift = z;
        BigDecimal rounding = z;
        BigDecimal unexplained = z;
        if (providerTokens == null) {
            if (difference.abs().compareTo(tolerance) <= 0) {
                rounding = difference;
            } else {
                unexplained = difference;
            }
        } else {
            // the estimated calls' tokens are the gateway's guess (a cut stream's) or unknown (a call that never
            // settled): the bill's tokens are compared with the provider-reported ones the gateway saw
            TokenUsage reported = minus(gatewayTokens, estimates.tokens());
            TokenUsage excess = excess(providerTokens, reported);
            TokenUsage over = excess(reported, providerTokens);
            Map<TokenKind, BigDecimal> prices = rates != null ? catalogPrices : implied;
            if (estimates.any()) {
                // per token kind at the per-token rates of the line's tier, as traffic not seen: the billed tokens
                // beyond the reported ones are first those the gateway counted for its cut streams, then, up to the
                // worst case reserved for them, those of the calls that never settled; the rest it did not see
                TokenUsage counted = least(excess, estimates.tokens());
                BigDecimal beyond = costAt(prices, minus(excess, counted));
                BigDecimal unsettled = beyond.min(estimates.worstCaseUsd()).max(z);
                notSeen = beyond.subtract(unsettled);
                settled = costAt(prices, counted).add(unsettled).subtract(estimates.usd());
            } else if (!isZero(excess)) {
                // per token kind at the per-token rates of the line's tier (standard or batch): the excess is a
                // day's tokens of many requests, never one request past the long-context threshold
                notSeen = costAt(prices, excess);
            }
            BigDecimal rest = difference.subtract(notSeen).subtract(settled);
            if (rest.abs().compareTo(tolerance) <= 0) {
                rounding = rest;
            } else if (isZero(over) && !isZero(providerTokens)) {
                drift = rest;
            } else {
                unexplained = rest;
                quality.append(
                        isZero(providerTokens)
                                ? "; billed without tokens in the provider's usage data"
                                : "; the gateway metered tokens the provider did not bill");
            }
        }
        Explanation explanation;
        if (difference.signum() == 0 && notSeen.signum() == 0 && settled.signum() == 0) {
            explanation = Explanation.MATCHED;
        } else {
            explanation = Explanation.ROUNDING;
            BigDecimal largest = z;
            if (notSeen.abs().compareTo(largest) > 0) {
                explanation = Explanation.NOT_SEEN_BY_GATEWAY;
                largest = notSeen.abs();
            }
            if (settled.abs().compareTo(largest) > 0) {
                explanation = Explanation.ESTIMATE_SETTLED_BY_BILL;
                largest = settled.abs();
            }
            if (drift.abs().compareTo(largest) > 0) {
                explanation = Explanation.PRICE_DRIFT;
                largest = drift.abs();
            }
            if (unexplained.abs().compareTo(largest) > 0) {
                explanation = Explanation.UNEXPLAINED;
            }
        }
        return new ReconciliationLine(
                key.day(),
                source,
                model,
                key.item(),
                a.accounts,
                a.billed,
                a.metered,
                explanation,
                notSeen,
                drift,
                z,
                rounding,
                unexplained,
                providerTokens,
                gatewayTokens,
                implied,
                catalogPrices,
                quality.toString(),
                settled);
    }

    /**
     * Half a unit of the last decimal the provider gave (a cent-rounded amount may be off by half a cent), at least
     * {@link #FLOAT_NOISE}. Trailing zeros count: {@code "30.00"} cents is exact to the hundredth of a cent, not to the
     * dime. A cost sent as a binary floating-point number ({@link ProviderCharge#binaryFloatCost()}) is not rounded to
     * its shortest printed form: it gets {@link #FLOAT_NOISE} only.
     */
    static BigDecimal rounding(BigDecimal amount) {
        BigDecimal half =
                BigDecimal.ONE.movePointLeft(Math.max(0, amount.scale())).divide(TWO);
        return half.max(FLOAT_NOISE);
    }

    /**
     * The key models are matched on: the catalog's name when it knows the model, squashed to letters and digits. For
     * AWS, the letters then the digits, each in their order: Bedrock usage types put the version before or after the
     * model's name ({@code Claude4.6Sonnet}, {@code ClaudeSonnet4.5}) where the model id has one order
     * ({@code claude-sonnet-4-6}); the version's digits still tell 4.5 from 4.6.
     */
    String match(BillSource source, String model) {
        String canonical = catalog.find(source.gatewayProvider(), model)
                .map(ModelPrice::model)
                .orElse(model);
        String s = canonical.toLowerCase(Locale.ROOT).trim();
        s = REGION.matcher(s).replaceFirst("");
        s = VENDOR.matcher(s).replaceFirst("");
        s = VERSION.matcher(DATE.matcher(s).replaceAll("")).replaceFirst("");
        s = NON_ALNUM.matcher(s).replaceAll("");
        if (source != BillSource.AWS) {
            return s;
        }
        return DIGITS.matcher(s).replaceAll("") + "|" + LETTERS.matcher(s).replaceAll("");
    }

    private static Map<TokenKind, BigDecimal> catalogPrices(Rates p) {
        Map<TokenKind, BigDecimal> m = new EnumMap<>(TokenKind.class);
        m.put(TokenKind.INPUT, p.input());
        m.put(TokenKind.CACHED_INPUT, p.cachedInput() != null ? p.cachedInput() : p.input());
        m.put(TokenKind.CACHE_WRITE_5M, p.cacheWrite5m() != null ? p.cacheWrite5m() : p.input());
        m.put(TokenKind.CACHE_WRITE_1H, p.cacheWrite1h() != null ? p.cacheWrite1h() : p.input());
        m.put(TokenKind.OUTPUT, p.output());
        return m;
    }

    private static Map<TokenKind, BigDecimal> implied(Map<TokenKind, BigDecimal> billed, TokenUsage tokens) {
        Map<TokenKind, BigDecimal> m = new EnumMap<>(TokenKind.class);
        for (Map.Entry<TokenKind, BigDecimal> e : billed.entrySet()) {
            long n = count(tokens, e.getKey());
            if (n > 0) {
                m.put(
                        e.getKey(),
                        e.getValue()
                                .multiply(MILLION)
                                .divide(BigDecimal.valueOf(n), 6, RoundingMode.HALF_UP)
                                .stripTrailingZeros());
            }
        }
        return m;
    }

    private static BigDecimal costAt(Map<TokenKind, BigDecimal> perMillion, TokenUsage t) {
        BigDecimal sum = BigDecimal.ZERO;
        for (TokenKind k : TokenKind.values()) {
            BigDecimal p = perMillion.get(k);
            if (p != null) {
                sum = sum.add(p.multiply(BigDecimal.valueOf(count(t, k))).movePointLeft(6));
            }
        }
        return sum.stripTrailingZeros();
    }

    static long count(TokenUsage t, TokenKind k) {
        return switch (k) {
            case INPUT -> t.uncachedInputTokens();
            case CACHED_INPUT -> t.cachedInputTokens();
            case CACHE_WRITE_5M -> t.cacheWrite5mTokens();
            case CACHE_WRITE_1H -> t.cacheWrite1hTokens();
            case OUTPUT -> t.outputTokens();
        };
    }

    private static TokenUsage fromKinds(Map<TokenKind, Long> n) {
        long cached = n.getOrDefault(TokenKind.CACHED_INPUT, 0L);
        long w5 = n.getOrDefault(TokenKind.CACHE_WRITE_5M, 0L);
        long w1 = n.getOrDefault(TokenKind.CACHE_WRITE_1H, 0L);
        return new TokenUsage(
                n.getOrDefault(TokenKind.INPUT, 0L) + cached + w5 + w1,
                cached,
                w5,
                w1,
                n.getOrDefault(TokenKind.OUTPUT, 0L),
                0);
    }

    /** Per kind, how many more tokens {@code a} has than {@code b} (zero where it has fewer). */
    private static TokenUsage excess(TokenUsage a, TokenUsage b) {
        long in = Math.max(0, a.uncachedInputTokens() - b.uncachedInputTokens());
        long cached = Math.max(0, a.cachedInputTokens() - b.cachedInputTokens());
        long w5 = Math.max(0, a.cacheWrite5mTokens() - b.cacheWrite5mTokens());
        long w1 = Math.max(0, a.cacheWrite1hTokens() - b.cacheWrite1hTokens());
        long out = Math.max(0, a.outputTokens() - b.outputTokens());
        return new TokenUsage(in + cached + w5 + w1, cached, w5, w1, out, 0);
    }

    /** Per kind, {@code a} less {@code b} (zero where {@code b} has more). */
    private static TokenUsage minus(TokenUsage a, TokenUsage b) {
        return excess(a, b);
    }

    /** Per kind, the fewer of {@code a} and {@code b}. */
    private static TokenUsage least(TokenUsage a, TokenUsage b) {
        Map<TokenKind, Long> n = new EnumMap<>(TokenKind.class);
        for (TokenKind k : TokenKind.values()) {
            n.put(k, Math.min(count(a, k), count(b, k)));
        }
        return fromKinds(n);
    }

    private static boolean isZero(TokenUsage t) {
        return t.inputTokens() == 0 && t.outputTokens() == 0;
    }

    static TokenUsage plus(TokenUsage a, TokenUsage b) {
        return new TokenUsage(
                a.inputTokens() + b.inputTokens(),
                a.cachedInputTokens() + b.cachedInputTokens(),
                a.cacheWrite5mTokens() + b.cacheWrite5mTokens(),
                a.cacheWrite1hTokens() + b.cacheWrite1hTokens(),
                a.outputTokens() + b.outputTokens(),
                a.reasoningTokens() + b.reasoningTokens());
    }

    /** Days as compact ranges: {@code 2026-11-03..2026-11-05, 2026-11-09}. */
    static String ranges(List<LocalDate> days) {
        StringBuilder s = new StringBuilder();
        int i = 0;
        while (i < days.size()) {
            int j = i;
            while (j + 1 < days.size() && days.get(j + 1).equals(days.get(j).plusDays(1))) {
                j++;
            }
            if (s.length() > 0) {
                s.append(", ");
            }
            s.append(days.get(i));
            if (j > i) {
                s.append("..").append(days.get(j));
            }
            i = j + 1;
        }
        return s.toString();
    }
}
