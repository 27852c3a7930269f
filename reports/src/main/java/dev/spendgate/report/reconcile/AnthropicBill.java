package dev.spendgate.report.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.reconcile.ProviderCharge;
import dev.spendgate.domain.reconcile.ProviderUsage;
import dev.spendgate.domain.reconcile.TokenKind;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads the Anthropic Admin API cost report ({@code GET /v1/organizations/cost_report?bucket_width=1d&group_by[]=
 * workspace_id&group_by[]=description}) and messages usage report ({@code GET /v1/organizations/usage_report/messages?
 * bucket_width=1d&group_by[]=model&group_by[]=workspace_id&group_by[]=api_key_id&group_by[]=service_tier}), as
 * returned, one page per file or an array of pages. Reference: https://platform.claude.com/docs/en/api/admin/cost_report
 * and https://docs.anthropic.com/en/api/usage-cost-api
 *
 * <p>The cost report's {@code amount} is a decimal string in cents ("123.45" is $1.23). Web search and code execution,
 * and costs without a model are never metered by the gateway; a model's batch-tier costs and usage are compared with
 * the batch results the gateway recorded, and are never metered where it recorded none.
 */
public final class AnthropicBill {
    private static final Set<String> COST_FIELDS = Set.of(
            "amount",
            "currency",
            "description",
            "cost_type",
            "context_window",
            "model",
            "service_tier",
            "token_type",
            "workspace_id",
            "inference_geo");
    private static final Set<String> USAGE_FIELDS = Set.of(
            "uncached_input_tokens",
            "cache_creation",
            "cache_read_input_tokens",
            "output_tokens",
            "server_tool_use",
            "api_key_id",
            "workspace_id",
            "model",
            "service_tier",
            "context_window",
            "inference_geo");

    private AnthropicBill() {}

    public static ProviderBill read(List<Path> files) {
        return fromPages(
                JsonPages.read(files),
                String.join(
                        ", ",
                        files.stream().map(p -> p.getFileName().toString()).toList()));
    }

    static ProviderBill fromPages(List<JsonPages.Page> pages, String origin) {
        List<ProviderCharge> charges = new ArrayList<>();
        List<ProviderUsage> usage = new ArrayList<>();
        Set<LocalDate> costDays = new TreeSet<>();
        Set<LocalDate> usageDays = new TreeSet<>();
        Set<String> unknown = new TreeSet<>();
        Map<String, String> seen = new HashMap<>();
        for (JsonPages.Page page : pages) {
            Boolean cost = null;
            for (JsonNode bucket : page.json().get("data")) {
                for (JsonNode r : bucket.path("results")) {
                    boolean isCost = r.has("amount");
                    if (!isCost && !r.has("uncached_input_tokens") && !r.has("output_tokens")) {
                        throw new BillFormatException(
                                page.origin(),
                                "a result with neither 'amount' (cost report) nor"
                                        + " token counts (usage report): is this an Anthropic Admin API response?");
                    }
                    if (cost != null && cost != isCost) {
                        throw new BillFormatException(page.origin(), "mixes cost report and usage report results");
                    }
                    cost = isCost;
                }
            }
            for (JsonNode bucket : page.json().get("data")) {
                LocalDate day = day(bucket, page.origin());
                String where = page.origin() + " bucket " + day;
                if (cost == null || cost) {
                    costDays.add(day);
                }
                if (cost == null || !cost) {
                    usageDays.add(day);
                }
                for (JsonNode r : bucket.path("results")) {
                    if (cost) {
                        JsonPages.unknownFields(r, COST_FIELDS, unknown);
                        cost(r, day, where, charges, seen);
                    } else {
                        JsonPages.unknownFields(r, USAGE_FIELDS, unknown);
                        usage(r, day, where, usage, seen);
                    }
                }
            }
        }
        List<String> warnings = new ArrayList<>();
        if (!unknown.isEmpty()) {
            warnings.add(JsonPages.unknownWarning("the Anthropic data", unknown));
        }
        return new ProviderBill(
                BillSource.ANTHROPIC,
                charges,
                usage,
                new TreeSet<>(costDays),
                new TreeSet<>(usageDays),
                warnings,
                "Anthropic Admin API cost report + messages usage report (" + origin + ")");
    }

    private static LocalDate day(JsonNode bucket, String where) {
        try {
            Instant start = Instant.parse(bucket.path("starting_at").asText());
            Instant end = Instant.parse(bucket.path("ending_at").asText());
            if (!Duration.between(start, end).equals(Duration.ofDays(1)) || start.getEpochSecond() % 86_400 != 0) {
                throw new BillFormatException(
                        where, "bucket " + start + ".." + end + " is not one UTC day: request bucket_width=1d");
            }
            return start.atZone(ZoneOffset.UTC).toLocalDate();
        } catch (DateTimeParseException e) {
            throw new BillFormatException(
                    where,
                    "bucket starting_at/ending_at is not an RFC 3339 time: " + bucket.path("starting_at") + ", "
                            + bucket.path("ending_at"));
        }
    }

    private static void cost(
            JsonNode r, LocalDate day, String where, List<ProviderCharge> charges, Map<String, String> seen) {
        String currency = JsonPages.text(r, "currency");
        if (currency == null || !currency.equalsIgnoreCase("USD")) {
            throw new BillFormatException(
                    where, "currency is '" + currency + "'; only USD bills are reconciled (the gateway meters in USD)");
        }
        BigDecimal usd = JsonPages.decimal(r, "amount", where).movePointLeft(2); // cents to dollars, exact
        String description = JsonPages.text(r, "description");
        String model = JsonPages.text(r, "model");
        String workspace = JsonPages.text(r, "workspace_id");
        String costType = JsonPages.text(r, "cost_type");
        String tier = JsonPages.text(r, "service_tier");
        String tokenType = JsonPages.text(r, "token_type");
        String key = day + "|" + workspace + "|" + description + "|" + model + "|" + tokenType + "|" + tier + "|"
                + costType + "|" + JsonPages.text(r, "context_window") + "|" + JsonPages.text(r, "inference_geo");
        String before = seen.putIfAbsent("cost|" + key, where);
        if (before != null) {
            throw new BillFormatException(
                    where,
                    "cost '" + description + "' of workspace " + workspace + " on " + day + " appears twice (also in "
                            + before + "): overlapping files or pages");
        }
        if (description == null && costType == null) {
            if (usd.signum() == 0) {
                return;
            }
            throw new BillFormatException(where, "a cost without description: request group_by[]=description");
        }
        String lower = description == null ? "" : description.toLowerCase(Locale.ROOT);
        String unmetered = null;
        boolean batch = "batch".equals(tier) || lower.contains("batch");
        if (batch && (model == null || tokenKind(tokenType) == null)) {
            unmetered = "batch";
        } else if (batch) {
            // a model's batch tokens: compared with the batch results the gateway recorded, if it did
            charges.add(ProviderCharge.batchTokens(
                    BillSource.ANTHROPIC, day, model, workspace, tokenKind(tokenType), -1, usd, description));
            return;
        } else if ("web_search".equals(costType) || "code_execution".equals(costType)) {
            unmetered = "tool calls: " + costType;
        } else if (model == null || tokenType == null) {
            unmetered = lower.contains("file") || lower.contains("storage") ? "storage" : "other: " + description;
        }
        if (unmetered != null) {
            charges.add(
                    ProviderCharge.unmetered(BillSource.ANTHROPIC, day, model, workspace, unmetered, usd, description));
            return;
        }
        TokenKind kind = tokenKind(tokenType);
        if (kind == null) {
            throw new BillFormatException(where, "token_type '" + tokenType + "' is not one this version knows");
        }
        charges.add(ProviderCharge.tokens(BillSource.ANTHROPIC, day, model, workspace, kind, -1, usd, description));
    }

    private static TokenKind tokenKind(String tokenType) {
        return tokenType == null
                ? null
                : switch (tokenType) {
                    case "uncached_input_tokens" -> TokenKind.INPUT;
                    case "cache_read_input_tokens" -> TokenKind.CACHED_INPUT;
                    case "cache_creation.ephemeral_5m_input_tokens" -> TokenKind.CACHE_WRITE_5M;
                    case "cache_creation.ephemeral_1h_input_tokens" -> TokenKind.CACHE_WRITE_1H;
                    case "output_tokens" -> TokenKind.OUTPUT;
                    default -> null;
                };
    }

    private static void usage(
            JsonNode r, LocalDate day, String where, List<ProviderUsage> usage, Map<String, String> seen) {
        String model = JsonPages.text(r, "model");
        String key = day + "|" + model + "|" + JsonPages.text(r, "workspace_id") + "|" + JsonPages.text(r, "api_key_id")
                + "|" + JsonPages.text(r, "service_tier") + "|" + JsonPages.text(r, "context_window") + "|"
                + JsonPages.text(r, "inference_geo");
        String before = seen.putIfAbsent("usage|" + key, where);
        if (before != null) {
            throw new BillFormatException(
                    where,
                    "usage of " + model + " on " + day + " appears twice (also in " + before
                            + "): overlapping files or pages");
        }
        JsonNode creation = r.path("cache_creation");
        TokenUsage t = TokenUsage.anthropic(
                JsonPages.count(r, "uncached_input_tokens", where),
                JsonPages.count(r, "cache_read_input_tokens", where),
                JsonPages.count(creation, "ephemeral_5m_input_tokens", where),
                JsonPages.count(creation, "ephemeral_1h_input_tokens", where),
                JsonPages.count(r, "output_tokens", where));
        if (t.inputTokens() == 0 && t.outputTokens() == 0) {
            return;
        }
        if (model == null) {
            throw new BillFormatException(where, "usage without model: request group_by[]=model");
        }
        String account = JsonPages.text(r, "api_key_id") != null
                ? JsonPages.text(r, "api_key_id")
                : JsonPages.text(r, "workspace_id");
        // batch tokens are compared with the batch results the gateway recorded, where it recorded any
        usage.add(new ProviderUsage(
                BillSource.ANTHROPIC, day, model, account, t, "batch".equals(JsonPages.text(r, "service_tier"))));
    }
}
