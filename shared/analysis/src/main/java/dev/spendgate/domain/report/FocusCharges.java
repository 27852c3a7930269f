package dev.spendgate.domain.report;

import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.Rates;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a month's cells into FOCUS charges: one usage charge per day, provider, model SKU, token type and tag set,
 * priced as {@code unit price (USD per 1M tokens) x tokens / 1M}, exactly. Recorded costs that the current catalog
 * does not reproduce (a price changed mid-month, a model since removed) become adjustment charges for the difference,
 * so the sum of BilledCost equals the sum of the usage log's {@code cost_usd} to the last digit. Calls charged at their
 * reserved worst case ({@code cost_basis: reserved_worst_case}: the gateway stopped before recording them) have no
 * tokens to price: their cost is an adjustment charge of its own per day, provider, model and tag set, tagged
 * {@value #COST_BASIS_TAG} = {@value #RESERVED_WORST_CASE} and {@code x_Estimated} = {@code true}, whose description
 * says so, and which carries those calls' count. Tokens the gateway counted itself ({@code usage_source: estimated}: a
 * stream cut before its usage event) are priced in usage charges of their own, apart from provider-reported tokens,
 * tagged {@value #USAGE_SOURCE_TAG} = {@value #ESTIMATED} and {@code x_Estimated} = {@code true} (with any catalog
 * difference of those calls under the same tags), so the charges tagged {@code x_Estimated} sum to the estimated cost
 * the data quality states ({@link DataQuality#estimatedUsd()}). Unpriced calls have no known cost and are not charges.
 */
public final class FocusCharges {
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    /** Provider ids of an AWS service's own charges (the gateway's cost), e.g. {@code aws:AWS Lambda}. */
    public static final String AWS_SERVICE_PREFIX = "aws:";
    /** The provider key of Amazon Bedrock, billed by AWS (its catalog, and the gateway's built-in provider). */
    public static final String BEDROCK = "bedrock";
    /** The Tags key of a charge for calls charged at their reserved worst case (the record's {@code cost_basis}). */
    public static final String COST_BASIS_TAG = "x_CostBasis";
    /** Its value, as the record field spells it. */
    public static final String RESERVED_WORST_CASE = "reserved_worst_case";

    /** The Tags key of every charge that rests on an estimate, not on a provider-reported figure. */
    public static final String ESTIMATED_TAG = "x_Estimated";
    /**
     * The Tags key of a charge for tokens the gateway counted itself (the record's {@code usage_source}), absent on
     * provider-reported tokens.
     */
    public static final String USAGE_SOURCE_TAG = "x_UsageSource";
    /** Its value, as the record field spells it: a stream cut before its usage event. */
    public static final String ESTIMATED = "estimated";

    private FocusCharges() {}

    /**
     * What an adjustment's difference may come from besides a price change within the month: the model's rules that
     * bill a call above its per-token price (the usage rows price tokens per token), so finance does not read a
     * long-context or data-residency charge as price drift.
     */
    static String perCallRules(Optional<ModelPrice> price) {
        List<String> rules = new ArrayList<>();
        price.ifPresent(p -> {
            if (p.longContext() != null) {
                rules.add("calls above " + p.longContext().thresholdInputTokens()
                        + " input tokens billed at its long-context rates");
            }
            if (p.webSearchPer1k() != null) {
                rules.add("web searches billed at "
                        + p.webSearchPer1k().stripTrailingZeros().toPlainString() + " USD per 1,000"
                        + (p.webSearchPreviewPer1k() == null
                                ? ""
                                : " (web_search_preview: "
                                        + p.webSearchPreviewPer1k()
                                                .stripTrailingZeros()
                                                .toPlainString()
                                        + ")"));
            }
            p.regionMultipliers().entrySet().stream()
                    .sorted(Map.Entry.comparingByKey())
                    .forEach(m -> rules.add("calls run with inference_geo " + m.getKey() + " billed at "
                            + m.getValue().stripTrailingZeros().toPlainString() + "x"));
        });
        if (rules.isEmpty()) {
            return " (a price change within the month)";
        }
        return " (per-token rates: it holds " + String.join(", ", rules) + ", or a price change within the month)";
    }

    /**
     * @param contracted the prices calls are charged at (the catalog with the customer's overrides)
     * @param list public list prices (the bundled catalog); falls back to {@code contracted} for private models
     */
    public static List<FocusCharge> of(MonthlyUsage usage, PricingCatalog contracted, PricingCatalog list) {
        Map<ChargeKey, Sum> sums = new HashMap<>();
        Map<List<Object>, Long> groupCalls = new HashMap<>();
        Map<String, Optional<ModelPrice>> contractedCache = new HashMap<>();
        for (Map.Entry<CellKey, CellTotals> e : usage.cells().entrySet()) {
            CellKey cell = e.getKey();
            CellTotals totals = e.getValue();
            if (totals.pricedCalls() == 0) {
                continue;
            }
            Optional<ModelPrice> price = contractedCache.computeIfAbsent(
                    cell.pricedProvider() + "\u0000" + cell.model(),
                    k -> contracted.find(cell.pricedProvider(), cell.model()));
            String sku = price.map(ModelPrice::model).orElse(cell.model() == null ? "unknown" : cell.model());
            Map<String, String> tags = tags(cell);
            Map<String, String> estimatedTags = estimatedTags(tags);
            long worstCaseCalls = totals.worstCaseCalls();
            long estimatedCalls = totals.estimatedTokenCalls();
            groupCalls.merge(
                    group(cell.day(), cell.provider(), sku, tags),
                    totals.pricedCalls() - worstCaseCalls - estimatedCalls,
                    Long::sum);
            if (estimatedCalls > 0) {
                groupCalls.merge(group(cell.day(), cell.provider(), sku, estimatedTags), estimatedCalls, Long::sum);
            }
            Rates rates = price.map(p -> rates(p, cell.serviceTier())).orElse(null);
            // provider-reported tokens and the tokens the gateway counted itself (a cut stream's) in rows of their own
            BigDecimal priced = price(sums, cell, sku, tags, rates, totals.providerReportedTokens());
            BigDecimal pricedEstimated = price(sums, cell, sku, estimatedTags, rates, totals.estimatedTokens());
            // the worst-case calls have no tokens: their whole cost is theirs, apart from any catalog difference
            BigDecimal worstCase = totals.worstCaseUsd();
            if (worstCaseCalls > 0) {
                Map<String, String> worstCaseTags = worstCaseTags(tags);
                groupCalls.merge(group(cell.day(), cell.provider(), sku, worstCaseTags), worstCaseCalls, Long::sum);
                Sum sum = sums.computeIfAbsent(
                        new ChargeKey(
                                cell.day(),
                                cell.provider(),
                                cell.pricedProvider(),
                                sku,
                                null,
                                worstCaseTags,
                                cell.serviceTier()),
                        k -> new Sum());
                sum.adjustment = sum.adjustment.add(worstCase);
                sum.worstCaseCalls += worstCaseCalls;
            }
            BigDecimal estimated = totals.estimatedTokenUsd();
            adjust(
                    sums,
                    cell,
                    sku,
                    tags,
                    rates == null,
                    totals.costUsd().subtract(worstCase).subtract(estimated).subtract(priced.divide(MILLION)));
            adjust(sums, cell, sku, estimatedTags, rates == null, estimated.subtract(pricedEstimated.divide(MILLION)));
        }
        List<FocusCharge> charges = new ArrayList<>(sums.size());
        for (Map.Entry<ChargeKey, Sum> e : sums.entrySet()) {
            ChargeKey k = e.getKey();
            Sum s = e.getValue();
            String publisher = publisher(k.pricedBy(), k.sku());
            if (k.type() == null) {
                if (s.adjustment.signum() == 0 && s.worstCaseCalls == 0) {
                    continue;
                }
                String note = s.worstCaseCalls > 0
                        ? "Charged at the reserved worst case: " + s.worstCaseCalls + " " + k.sku()
                                + (s.worstCaseCalls == 1 ? " call" : " calls")
                                + " never settled (the gateway stopped between forwarding and recording them);"
                                + " an estimate, not a provider-reported cost"
                        : s.noPrice
                                ? "Recorded cost of " + k.sku()
                                        + " calls; the model is not in the current pricing catalog"
                                : "Recorded cost of " + k.sku() + " calls differs from the current catalog price"
                                        + perCallRules(contracted.find(k.pricedBy(), k.sku()));
                BigDecimal cost = stripped(s.adjustment);
                charges.add(new FocusCharge(
                        k.day(),
                        FocusCharge.Category.ADJUSTMENT,
                        k.provider(),
                        publisher,
                        k.sku(),
                        null,
                        k.tags(),
                        0,
                        null,
                        null,
                        cost,
                        cost,
                        0,
                        note,
                        contracted
                                .find(k.pricedBy(), k.sku())
                                .map(ModelPrice::family)
                                .orElse(null),
                        k.serviceTier(),
                        k.pricedBy()));
                continue;
            }
            ModelPrice contractedPrice = contracted.find(k.pricedBy(), k.sku()).orElseThrow();
            Rates contractedRates = rates(contractedPrice, k.serviceTier());
            Rates listRates = list.find(k.pricedBy(), k.sku())
                    .map(p -> rates(p, k.serviceTier()))
                    .orElse(contractedRates);
            if (listRates == null) {
                listRates = contractedRates;
            }
            BigDecimal contractedUnit = stripped(k.type().pricePerMillion(contractedRates));
            BigDecimal listUnit = stripped(k.type().pricePerMillion(listRates));
            BigDecimal quantity = pricingQuantity(s.tokens);
            charges.add(new FocusCharge(
                    k.day(),
                    FocusCharge.Category.USAGE,
                    k.provider(),
                    publisher,
                    k.sku(),
                    k.type(),
                    k.tags(),
                    s.tokens,
                    listUnit,
                    contractedUnit,
                    stripped(listUnit.multiply(quantity)),
                    stripped(contractedUnit.multiply(quantity)),
                    0,
                    null,
                    contractedPrice.family(),
                    k.serviceTier(),
                    k.pricedBy()));
        }
        charges.sort(ORDER);
        // x_CallCount: each set's calls once, on its first row, so the column sums to the calls made
        for (int i = 0; i < charges.size(); i++) {
            FocusCharge c = charges.get(i);
            Long calls = groupCalls.remove(group(c.day(), c.provider(), c.model(), c.tags()));
            if (calls != null) {
                charges.set(i, c.withCalls(calls));
            }
        }
        return charges;
    }

    /**
     * Adds {@code tokens} to the usage charges of the cell's day, provider, SKU and {@code tags}, per token type;
     * returns what they cost at {@code rates} per million tokens (0 without rates: then nothing is added).
     */
    private static BigDecimal price(
            Map<ChargeKey, Sum> sums,
            CellKey cell,
            String sku,
            Map<String, String> tags,
            Rates rates,
            dev.spendgate.domain.pricing.TokenUsage tokens) {
        BigDecimal priced = BigDecimal.ZERO;
        if (rates == null) {
            return priced;
        }
        for (TokenType type : TokenType.values()) {
            long count = type.count(tokens);
            if (count == 0) {
                continue;
            }
            Sum sum = sums.computeIfAbsent(
                    new ChargeKey(
                            cell.day(), cell.provider(), cell.pricedProvider(), sku, type, tags, cell.serviceTier()),
                    k -> new Sum());
            sum.tokens += count;
            priced = priced.add(type.pricePerMillion(rates).multiply(BigDecimal.valueOf(count)));
        }
        return priced;
    }

    /** Adds a recorded cost the usage charges do not reproduce to the adjustment of the cell's {@code tags}. */
    private static void adjust(
            Map<ChargeKey, Sum> sums,
            CellKey cell,
            String sku,
            Map<String, String> tags,
            boolean noPrice,
            BigDecimal difference) {
        if (difference.signum() == 0) {
            return;
        }
        Sum sum = sums.computeIfAbsent(
                new ChargeKey(cell.day(), cell.provider(), cell.pricedProvider(), sku, null, tags, cell.serviceTier()),
                k -> new Sum());
        sum.adjustment = sum.adjustment.add(difference);
        sum.noPrice |= noPrice;
    }

    /** A price's rates at a tier (null for standard); null when the catalog has none for that tier. */
    static Rates rates(ModelPrice price, String serviceTier) {
        return serviceTier == null
                ? price.standardRates()
                : price.serviceTierRates().get(serviceTier);
    }

    private static List<Object> group(LocalDate day, String provider, String sku, Map<String, String> tags) {
        return java.util.Arrays.asList(day, provider, sku, tags);
    }

    /** Tokens in the pricing unit of {@code 1000000 Tokens}, exact. */
    public static BigDecimal pricingQuantity(long tokens) {
        return stripped(BigDecimal.valueOf(tokens).divide(MILLION));
    }

    /** The attribution tags a FOCUS row carries, in a fixed order; absent fields are left out. */
    static Map<String, String> tags(CellKey cell) {
        Map<String, String> tags = new LinkedHashMap<>();
        put(tags, "department", cell.department());
        put(tags, "team", cell.team());
        put(tags, "feature", cell.feature());
        put(tags, "environment", cell.environment());
        return tags;
    }

    /**
     * {@code tags} plus the marks of a charge priced on tokens the gateway counted itself ({@value #USAGE_SOURCE_TAG}
     * = {@value #ESTIMATED}, {@code x_Estimated}).
     */
    static Map<String, String> estimatedTags(Map<String, String> tags) {
        Map<String, String> marked = new LinkedHashMap<>(tags);
        marked.put(USAGE_SOURCE_TAG, ESTIMATED);
        marked.put(ESTIMATED_TAG, "true");
        return marked;
    }

    /** {@code tags} plus the marks of a worst-case charge ({@value #COST_BASIS_TAG}, {@code x_Estimated}). */
    static Map<String, String> worstCaseTags(Map<String, String> tags) {
        Map<String, String> marked = new LinkedHashMap<>(tags);
        marked.put(COST_BASIS_TAG, RESERVED_WORST_CASE);
        marked.put(ESTIMATED_TAG, "true");
        return marked;
    }

    /** Who published the model: for Bedrock the vendor in the model id, else the provider itself. */
    public static String publisher(String provider, String model) {
        if ("bedrock".equals(provider) && model != null) {
            String id = model.replaceFirst("^(us|eu|apac|global|us-gov|jp|au|ca)\\.", "");
            int dot = id.indexOf('.');
            String vendor = dot > 0 ? id.substring(0, dot) : "";
            return switch (vendor) {
                case "anthropic" -> "Anthropic";
                case "amazon" -> "Amazon";
                case "meta" -> "Meta";
                case "mistral" -> "Mistral AI";
                case "cohere" -> "Cohere";
                case "ai21" -> "AI21 Labs";
                case "deepseek" -> "DeepSeek";
                case "openai" -> "OpenAI";
                default -> "Amazon Web Services";
            };
        }
        return providerName(provider);
    }

    /** The provider's display name (FOCUS ProviderName and InvoiceIssuerName). */
    public static String providerName(String provider) {
        if (provider == null) {
            return "Unknown";
        }
        if (provider.startsWith(AWS_SERVICE_PREFIX)) {
            return "Amazon Web Services";
        }
        return switch (provider) {
            case "openai" -> "OpenAI";
            case "anthropic" -> "Anthropic";
            case "bedrock" -> "Amazon Web Services";
            case "azure-openai", "azure" -> "Microsoft";
            case "gemini", "google", "vertex" -> "Google";
            default -> provider.substring(0, 1).toUpperCase(Locale.ROOT) + provider.substring(1);
        };
    }

    /**
     * A service's FOCUS 1.1 {@code ServiceCategory} and {@code ServiceSubcategory}, both allowed values of the spec
     * (each subcategory under its one parent).
     */
    public record ServiceClass(String category, String subcategory) {
        /** LLM APIs: the calls the gateway meters. */
        public static final ServiceClass GENERATIVE_AI = new ServiceClass("AI and Machine Learning", "Generative AI");
    }

    /**
     * The service's FOCUS category and subcategory: Generative AI for the LLM providers; for the gateway's own AWS
     * services ({@value #AWS_SERVICE_PREFIX}...), the AWS service's own core function (Lambda Compute / Serverless
     * Compute, DynamoDB Databases / NoSQL Databases, S3 Storage / Object Storage, API Gateway Integration / API Management, ...).
     */
    public static ServiceClass serviceClass(String provider) {
        if (provider == null || !provider.startsWith(AWS_SERVICE_PREFIX)) {
            return ServiceClass.GENERATIVE_AI;
        }
        return switch (provider.substring(AWS_SERVICE_PREFIX.length())) {
            case "AWS Lambda" -> new ServiceClass("Compute", "Serverless Compute");
            case "Amazon Elastic Compute Cloud" -> new ServiceClass("Compute", "Virtual Machines");
            case "Amazon DynamoDB" -> new ServiceClass("Databases", "NoSQL Databases");
            case "Amazon Simple Storage Service" -> new ServiceClass("Storage", "Object Storage");
            case "Amazon API Gateway" -> new ServiceClass("Integration", "API Management");
            case "Amazon Data Firehose" -> new ServiceClass("Analytics", "Data Processing");
            case "AWS Secrets Manager", "AWS Key Management Service" ->
                new ServiceClass("Security", "Secret Management");
            case "Amazon CloudWatch" -> new ServiceClass("Management and Governance", "Observability");
            case "AWS Data Transfer" -> new ServiceClass("Networking", "Network Connectivity");
            default -> new ServiceClass("Other", "Other (Other)");
        };
    }

    /** The service's name (FOCUS ServiceName). */
    public static String serviceName(String provider) {
        if (provider == null) {
            return "Unknown LLM API";
        }
        if (provider.startsWith(AWS_SERVICE_PREFIX)) {
            return provider.substring(AWS_SERVICE_PREFIX.length());
        }
        return switch (provider) {
            case "openai" -> "OpenAI API";
            case "anthropic" -> "Anthropic API";
            case "bedrock" -> "Amazon Bedrock";
            default -> providerName(provider) + " API";
        };
    }

    static BigDecimal stripped(BigDecimal value) {
        if (value.signum() == 0) {
            return BigDecimal.ZERO;
        }
        BigDecimal s = value.stripTrailingZeros();
        return s.scale() < 0 ? s.setScale(0) : s;
    }

    private static void put(Map<String, String> map, String k, String v) {
        if (v != null) {
            map.put(k, v);
        }
    }

    private static final Comparator<FocusCharge> ORDER = Comparator.comparing(FocusCharge::day)
            .thenComparing(c -> String.valueOf(c.provider()))
            .thenComparing(FocusCharge::model)
            .thenComparing(c -> c.tags().toString())
            .thenComparing(c -> c.serviceTier() == null ? "" : c.serviceTier())
            .thenComparing(c -> c.tokenType() == null ? 99 : c.tokenType().ordinal());

    /** {@code provider} names who served and bills the call; {@code pricedBy} whose catalog prices applied. */
    private record ChargeKey(
            LocalDate day,
            String provider,
            String pricedBy,
            String sku,
            TokenType type,
            Map<String, String> tags,
            String serviceTier) {}

    private static final class Sum {
        long tokens;
        BigDecimal adjustment = BigDecimal.ZERO;
        boolean noPrice;
        long worstCaseCalls;
    }
}
