package dev.spendgate.report.reconcile;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.CellKey;
import dev.spendgate.domain.report.CellTotals;
import dev.spendgate.domain.report.MonthlyUsage;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Builds provider files in the providers' real shapes from a metered month: what each provider would bill for the
 * same traffic, plus whatever a test adds (a raw-key team, a price change, batch and storage lines).
 */
final class ProviderFiles {
    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final String GATEWAY_PROJECT = "proj_gateway";
    static final String GATEWAY_KEY = "key_gateway";

    record Usage(LocalDate day, String provider, String model, String account, TokenUsage tokens, ModelPrice price) {}

    record Extra(LocalDate day, String provider, String description, BigDecimal usd, String tier, String costType) {}

    final YearMonth month;
    final PricingCatalog catalog;
    final List<Usage> usage = new ArrayList<>();
    final List<Extra> extras = new ArrayList<>();

    ProviderFiles(YearMonth month, PricingCatalog catalog) {
        this.month = month;
        this.catalog = catalog;
    }

    /** The provider's view of exactly the metered traffic. */
    static ProviderFiles of(MonthlyUsage metered, PricingCatalog catalog) {
        ProviderFiles f = new ProviderFiles(metered.month(), catalog);
        Map<String, TokenUsage> sums = new TreeMap<>();
        Map<String, CellKey> keys = new LinkedHashMap<>();
        for (Map.Entry<CellKey, CellTotals> e : metered.cells().entrySet()) {
            CellKey k = e.getKey();
            if (e.getValue().pricedCalls() == 0) {
                continue;
            }
            String id = k.day() + "|" + k.provider() + "|" + k.model();
            sums.merge(id, e.getValue().pricedTokens(), ProviderFiles::plus);
            keys.putIfAbsent(id, k);
        }
        sums.forEach((id, t) -> {
            CellKey k = keys.get(id);
            String account = k.provider().equals("openai") ? GATEWAY_KEY : "wrkspc_gateway";
            f.usage.add(new Usage(
                    k.day(),
                    k.provider(),
                    k.model(),
                    account,
                    t,
                    catalog.find(k.provider(), k.model()).orElseThrow()));
        });
        return f;
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

    static BigDecimal per(BigDecimal perMillion, long tokens) {
        return perMillion.multiply(BigDecimal.valueOf(tokens)).movePointLeft(6);
    }

    static BigDecimal or(BigDecimal p, BigDecimal fallback) {
        return p != null ? p : fallback;
    }

    private long epoch(LocalDate d) {
        return d.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
    }

    /** Splits the month's buckets into pages of {@code perPage} days, as the APIs paginate. */
    private <T> List<ObjectNode> pages(int perPage, BiFunction<LocalDate, ArrayNode, Void> fill, boolean openAi) {
        List<ObjectNode> pages = new ArrayList<>();
        List<LocalDate> days =
                month.atDay(1).datesUntil(month.plusMonths(1).atDay(1)).toList();
        for (int i = 0; i < days.size(); i += perPage) {
            ObjectNode page = F.objectNode();
            if (openAi) {
                page.put("object", "page");
            }
            ArrayNode data = page.putArray("data");
            for (LocalDate d : days.subList(i, Math.min(days.size(), i + perPage))) {
                ObjectNode b = data.addObject();
                if (openAi) {
                    b.put("object", "bucket");
                    b.put("start_time", epoch(d));
                    b.put("end_time", epoch(d.plusDays(1)));
                } else {
                    b.put("starting_at", d + "T00:00:00Z");
                    b.put("ending_at", d.plusDays(1) + "T00:00:00Z");
                }
                fill.apply(d, b.putArray("results"));
            }
            boolean more = i + perPage < days.size();
            page.put("has_more", more);
            if (more) {
                page.put("next_page", "page_" + (i / perPage + 1));
            } else {
                page.putNull("next_page");
            }
            pages.add(page);
        }
        return pages;
    }

    List<ObjectNode> openAiCostPages(int perPage) {
        return pages(
                perPage,
                (d, results) -> {
                    for (Usage u : usage) {
                        if (!u.day().equals(d) || !u.provider().equals("openai")) {
                            continue;
                        }
                        String project = u.account().equals(GATEWAY_KEY) ? GATEWAY_PROJECT : "proj_" + u.account();
                        TokenUsage t = u.tokens();
                        ModelPrice p = u.price();
                        cost(results, u.model() + ", input", project, per(p.input(), t.uncachedInputTokens()));
                        if (t.cachedInputTokens() > 0) {
                            cost(
                                    results,
                                    u.model() + ", cached input",
                                    project,
                                    per(or(p.cachedInput(), p.input()), t.cachedInputTokens()));
                        }
                        cost(results, u.model() + ", output", project, per(p.output(), t.outputTokens()));
                    }
                    for (Extra x : extras) {
                        if (x.day().equals(d) && x.provider().equals("openai")) {
                            cost(results, x.description(), GATEWAY_PROJECT, x.usd());
                        }
                    }
                    return null;
                },
                true);
    }

    private static void cost(ArrayNode results, String lineItem, String project, BigDecimal usd) {
        ObjectNode r = results.addObject();
        r.put("object", "organization.costs.result");
        ObjectNode amount = r.putObject("amount");
        amount.put("value", usd);
        amount.put("currency", "usd");
        r.put("line_item", lineItem);
        r.put("project_id", project);
    }

    List<ObjectNode> openAiUsagePages(int perPage) {
        return pages(
                perPage,
                (d, results) -> {
                    for (Usage u : usage) {
                        if (!u.day().equals(d) || !u.provider().equals("openai")) {
                            continue;
                        }
                        ObjectNode r = results.addObject();
                        r.put("object", "organization.usage.completions.result");
                        r.put("input_tokens", u.tokens().inputTokens());
                        r.put("output_tokens", u.tokens().outputTokens());
                        r.put("input_cached_tokens", u.tokens().cachedInputTokens());
                        r.put("input_audio_tokens", 0);
                        r.put("output_audio_tokens", 0);
                        r.put("num_model_requests", 1);
                        r.put("project_id", u.account().equals(GATEWAY_KEY) ? GATEWAY_PROJECT : "proj_" + u.account());
                        r.putNull("user_id");
                        r.put("api_key_id", u.account());
                        r.put("model", u.model());
                        r.put("batch", false);
                    }
                    return null;
                },
                true);
    }

    List<ObjectNode> anthropicCostPages(int perPage) {
        return pages(
                perPage,
                (d, results) -> {
                    for (Usage u : usage) {
                        if (!u.day().equals(d) || !u.provider().equals("anthropic")) {
                            continue;
                        }
                        TokenUsage t = u.tokens();
                        ModelPrice p = u.price();
                        anthropicCost(results, u, "uncached_input_tokens", per(p.input(), t.uncachedInputTokens()));
                        if (t.cachedInputTokens() > 0) {
                            anthropicCost(
                                    results,
                                    u,
                                    "cache_read_input_tokens",
                                    per(or(p.cachedInput(), p.input()), t.cachedInputTokens()));
                        }
                        if (t.cacheWrite5mTokens() > 0) {
                            anthropicCost(
                                    results,
                                    u,
                                    "cache_creation.ephemeral_5m_input_tokens",
                                    per(or(p.cacheWrite5m(), p.input()), t.cacheWrite5mTokens()));
                        }
                        if (t.cacheWrite1hTokens() > 0) {
                            anthropicCost(
                                    results,
                                    u,
                                    "cache_creation.ephemeral_1h_input_tokens",
                                    per(or(p.cacheWrite1h(), p.input()), t.cacheWrite1hTokens()));
                        }
                        anthropicCost(results, u, "output_tokens", per(p.output(), t.outputTokens()));
                    }
                    for (Extra x : extras) {
                        if (x.day().equals(d) && x.provider().equals("anthropic")) {
                            ObjectNode r = results.addObject();
                            r.put("currency", "USD");
                            r.put("amount", x.usd().movePointRight(2).toPlainString());
                            r.put("workspace_id", "wrkspc_gateway");
                            r.put("description", x.description());
                            r.put("cost_type", x.costType());
                            r.putNull("context_window");
                            r.putNull("model");
                            r.put("service_tier", x.tier());
                            r.putNull("token_type");
                        }
                    }
                    return null;
                },
                false);
    }

    private static void anthropicCost(ArrayNode results, Usage u, String tokenType, BigDecimal usd) {
        ObjectNode r = results.addObject();
        r.put("currency", "USD");
        r.put("amount", usd.movePointRight(2).toPlainString()); // cents, as the API reports
        r.put("workspace_id", u.account());
        r.put("description", u.model() + " Usage - " + tokenType);
        r.put("cost_type", "tokens");
        r.put("context_window", "0-200k");
        r.put("model", u.model());
        r.put("service_tier", "standard");
        r.put("token_type", tokenType);
    }

    List<ObjectNode> anthropicUsagePages(int perPage) {
        return pages(
                perPage,
                (d, results) -> {
                    for (Usage u : usage) {
                        if (!u.day().equals(d) || !u.provider().equals("anthropic")) {
                            continue;
                        }
                        TokenUsage t = u.tokens();
                        ObjectNode r = results.addObject();
                        r.put("uncached_input_tokens", t.uncachedInputTokens());
                        ObjectNode c = r.putObject("cache_creation");
                        c.put("ephemeral_1h_input_tokens", t.cacheWrite1hTokens());
                        c.put("ephemeral_5m_input_tokens", t.cacheWrite5mTokens());
                        r.put("cache_read_input_tokens", t.cachedInputTokens());
                        r.put("output_tokens", t.outputTokens());
                        r.putObject("server_tool_use").put("web_search_requests", 0);
                        r.put("api_key_id", "apikey_" + u.account());
                        r.put("workspace_id", u.account());
                        r.put("model", u.model());
                        r.put("service_tier", "standard");
                        r.put("context_window", "0-200k");
                    }
                    return null;
                },
                false);
    }

    static String json(List<ObjectNode> pages) {
        ArrayNode a = F.arrayNode();
        pages.forEach(a::add);
        return a.toPrettyString();
    }

    /** A CUR 2.0 CSV with the Bedrock usage (usage type from {@code usageModel}) plus one line of another service. */
    String curCsv(Map<String, String> usageModel) {
        StringBuilder s = new StringBuilder(
                "identity_line_item_id,identity_time_interval,bill_billing_period_start_date,line_item_line_item_type,"
                        + "line_item_usage_start_date,line_item_usage_end_date,line_item_product_code,line_item_usage_type,"
                        + "line_item_operation,line_item_resource_id,line_item_usage_amount,line_item_unblended_rate,"
                        + "line_item_unblended_cost,line_item_currency_code,product_region_code,resource_tags\n");
        int id = 0;
        for (Usage u : usage) {
            if (!u.provider().equals("bedrock")) {
                continue;
            }
            String m = usageModel.get(u.model());
            TokenUsage t = u.tokens();
            id = curLine(
                    s,
                    id,
                    u,
                    "USE1-" + m + "-input-tokens",
                    t.uncachedInputTokens(),
                    u.price().input());
            if (t.cachedInputTokens() > 0) {
                id = curLine(
                        s,
                        id,
                        u,
                        "USE1-" + m + "-cache-read-input-token-count",
                        t.cachedInputTokens(),
                        or(u.price().cachedInput(), u.price().input()));
            }
            id = curLine(
                    s,
                    id,
                    u,
                    "USE1-" + m + "-output-tokens",
                    t.outputTokens(),
                    u.price().output());
        }
        LocalDate first = month.atDay(1);
        LocalDate last = month.atEndOfMonth();
        s.append("s3line,")
                .append(first)
                .append("T00:00:00Z/")
                .append(last)
                .append("T23:00:00Z,")
                .append(first)
                .append("T00:00:00Z,Usage,")
                .append(last)
                .append("T00:00:00Z,")
                .append(last)
                .append(
                        "T01:00:00Z,AmazonS3,USE1-TimedStorage-ByteHrs,StandardStorage,my-bucket,1000,0.0000000319,0.0000319,USD,us-east-1,{}\n");
        for (Extra x : extras) {
            if (x.provider().equals("bedrock")) {
                s.append("x")
                        .append(id++)
                        .append(",,")
                        .append(first)
                        .append("T00:00:00Z,Usage,")
                        .append(x.day())
                        .append("T00:00:00Z,")
                        .append(x.day())
                        .append("T01:00:00Z,AmazonBedrock,")
                        .append(x.description())
                        .append(",Usage,,1,")
                        .append(x.usd())
                        .append(',')
                        .append(x.usd())
                        .append(",USD,us-east-1,{}\n");
            }
        }
        return s.toString();
    }

    private int curLine(StringBuilder s, int id, Usage u, String usageType, long tokens, BigDecimal perMillion) {
        LocalDate d = u.day();
        s.append("line")
                .append(id)
                .append(',')
                .append(d)
                .append("T00:00:00Z/")
                .append(d.plusDays(1))
                .append("T00:00:00Z,")
                .append(month.atDay(1))
                .append("T00:00:00Z,Usage,")
                .append(d)
                .append("T00:00:00Z,")
                .append(d.plusDays(1))
                .append("T00:00:00Z,AmazonBedrock,")
                .append(usageType)
                .append(",InvokeModelInference,")
                .append(u.account())
                .append(',')
                .append(tokens)
                .append(',')
                .append(perMillion.movePointLeft(6).toPlainString())
                .append(',')
                .append(per(perMillion, tokens).toPlainString())
                .append(",USD,us-east-1,")
                .append("\"{\"\"user:team\"\":\"\"search\"\"}\"\n");
        return id + 1;
    }
}
