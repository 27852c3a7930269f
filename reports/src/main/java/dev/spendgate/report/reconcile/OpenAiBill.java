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
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads the OpenAI organization Costs API ({@code GET /v1/organization/costs?bucket_width=1d&group_by=line_item,
 * project_id}) and Completions Usage API ({@code GET /v1/organization/usage/completions?bucket_width=1d&group_by=model,
 * project_id,api_key_id,batch}) responses, as returned, one page per file or an array of pages. Reference:
 * https://platform.openai.com/docs/api-reference/usage/costs and
 * https://platform.openai.com/docs/api-reference/usage/completions
 *
 * <p>A costs line item is {@code "<model>, input"}, {@code "<model>, cached input"} or {@code "<model>, output"};
 * {@code "<model>, batch input"} and usage rows with {@code batch: true} are compared with the batch results the gateway
 * recorded (never metered where it recorded none); other line items naming batch, fine-tuning, training, storage,
 * vector stores or tools are never metered by the gateway.
 */
public final class OpenAiBill {
    static final String COSTS = "organization.costs.result";
    static final String USAGE = "organization.usage.completions.result";
    private static final Pattern BATCH = Pattern.compile("\\bbatch\\b");
    private static final Pattern FINE_TUNING = Pattern.compile("\\bfine[- ]tun|\\btraining\\b|^ft:");
    private static final Pattern STORAGE = Pattern.compile("\\bstorage\\b|\\bvector stores?\\b");
    private static final Pattern TOOLS = Pattern.compile("\\bsearch\\b|\\bcode interpreter\\b|\\btools?\\b");
    private static final Set<String> COST_FIELDS = Set.of("object", "amount", "line_item", "project_id", "api_key_id");
    private static final Set<String> USAGE_FIELDS = Set.of(
            "object",
            "input_tokens",
            "output_tokens",
            "input_cached_tokens",
            "input_uncached_tokens",
            "input_text_tokens",
            "output_text_tokens",
            "input_cached_text_tokens",
            "input_audio_tokens",
            "input_cached_audio_tokens",
            "output_audio_tokens",
            "input_image_tokens",
            "input_cached_image_tokens",
            "output_image_tokens",
            "num_model_requests",
            "project_id",
            "user_id",
            "api_key_id",
            "model",
            "batch",
            "service_tier");

    private OpenAiBill() {}

    public static ProviderBill read(List<Path> files) {
        return fromPages(
                JsonPages.read(files),
                String.join(
                        ", ",
                        files.stream().map(p -> p.getFileName().toString()).toList()));
    }

    /** Reads pages the admin API returned (costs and usage pages in any order). */
    static ProviderBill fromPages(List<JsonPages.Page> pages, String origin) {
        List<ProviderCharge> charges = new ArrayList<>();
        List<ProviderUsage> usage = new ArrayList<>();
        Set<LocalDate> costDays = new TreeSet<>();
        Set<LocalDate> usageDays = new TreeSet<>();
        Set<String> unknown = new TreeSet<>();
        Set<String> otherItems = new LinkedHashSet<>();
        Map<String, String> seen = new HashMap<>();
        for (JsonPages.Page page : pages) {
            String kind = null;
            for (JsonNode bucket : page.json().get("data")) {
                for (JsonNode r : bucket.path("results")) {
                    String object = JsonPages.text(r, "object");
                    if (!COSTS.equals(object) && !USAGE.equals(object)) {
                        throw new BillFormatException(
                                page.origin(),
                                "result object '" + object + "' is neither " + COSTS + " nor " + USAGE
                                        + " (is this an OpenAI costs or completions usage response?)");
                    }
                    if (kind != null && !kind.equals(object)) {
                        throw new BillFormatException(page.origin(), "mixes " + kind + " and " + object + " results");
                    }
                    kind = object;
                }
            }
            for (JsonNode bucket : page.json().get("data")) {
                String where = page.origin();
                LocalDate day = day(bucket, where);
                where = where + " bucket " + day;
                if (kind == null || COSTS.equals(kind)) {
                    costDays.add(day);
                }
                if (kind == null || USAGE.equals(kind)) {
                    usageDays.add(day);
                }
                for (JsonNode r : bucket.path("results")) {
                    if (COSTS.equals(kind)) {
                        JsonPages.unknownFields(r, COST_FIELDS, unknown);
                        cost(r, day, where, charges, seen, otherItems);
                    } else {
                        JsonPages.unknownFields(r, USAGE_FIELDS, unknown);
                        usage(r, day, where, usage, seen);
                    }
                }
            }
        }
        List<String> warnings = new ArrayList<>();
        if (!unknown.isEmpty()) {
            warnings.add(JsonPages.unknownWarning("the OpenAI data", unknown));
        }
        if (!otherItems.isEmpty()) {
            warnings.add("line items not recognised as model tokens, counted as never metered: "
                    + String.join("; ", otherItems));
        }
        return new ProviderBill(
                BillSource.OPENAI,
                charges,
                usage,
                new TreeSet<>(costDays),
                new TreeSet<>(usageDays),
                warnings,
                "OpenAI Costs API + Completions Usage API (" + origin + ")");
    }

    static LocalDate day(JsonNode bucket, String where) {
        if (!bucket.path("start_time").canConvertToLong()
                || !bucket.path("end_time").canConvertToLong()) {
            throw new BillFormatException(where, "bucket without numeric start_time/end_time");
        }
        long start = bucket.get("start_time").asLong();
        long end = bucket.get("end_time").asLong();
        if (start % 86_400 != 0 || end - start != 86_400) {
            throw new BillFormatException(
                    where,
                    "bucket " + Instant.ofEpochSecond(start) + ".." + Instant.ofEpochSecond(end)
                            + " is not one UTC day: request bucket_width=1d");
        }
        return Instant.ofEpochSecond(start).atZone(ZoneOffset.UTC).toLocalDate();
    }

    private static void cost(
            JsonNode r,
            LocalDate day,
            String where,
            List<ProviderCharge> charges,
            Map<String, String> seen,
            Set<String> otherItems) {
        JsonNode amount = r.path("amount");
        BigDecimal value = JsonPages.decimal(amount, "value", where + " amount");
        // a JSON number is a binary float printed in its shortest form, exact to float noise; a string keeps its
        // decimals
        boolean floatCost = amount.path("value").isNumber();
        String currency = JsonPages.text(amount, "currency");
        if (currency == null || !currency.equalsIgnoreCase("usd")) {
            throw new BillFormatException(
                    where,
                    "amount.currency is '" + currency + "'; only USD bills are reconciled (the gateway meters in USD)");
        }
        String lineItem = JsonPages.text(r, "line_item");
        String project = JsonPages.text(r, "project_id");
        String key = "cost|" + day + "|" + lineItem + "|" + project;
        String before = seen.putIfAbsent(key, where);
        if (before != null) {
            throw new BillFormatException(
                    where,
                    "line item '" + lineItem + "' of project " + project + " on " + day + " appears twice (also in "
                            + before + "): overlapping files or pages");
        }
        if (lineItem == null) {
            if (value.signum() == 0) {
                return;
            }
            throw new BillFormatException(where, "a cost without line_item: request group_by=line_item");
        }
        String lower = lineItem.toLowerCase(Locale.ROOT);
        int comma = lineItem.lastIndexOf(',');
        TokenKind kind = comma < 0 ? null : kind(lower.substring(comma + 1).trim());
        // "<model>, <token kind>" is a model's tokens whatever words the model's name holds (o3-deep-research,
        // gpt-4o-search-preview); only batch and fine-tuned models' tokens are never metered
        boolean modelTokens = kind != null && !BATCH.matcher(lower).find() && !lower.startsWith("ft:");
        // "<model>, batch <token kind>": compared with the batch results the gateway recorded, if it did
        TokenKind batchKind = comma < 0 || lower.startsWith("ft:") ? null : batchKind(lower.substring(comma + 1));
        if (batchKind != null) {
            add(
                    charges,
                    floatCost,
                    ProviderCharge.batchTokens(
                            BillSource.OPENAI,
                            day,
                            lineItem.substring(0, comma).trim(),
                            project,
                            batchKind,
                            -1,
                            value,
                            lineItem));
            return;
        }
        String unmetered = modelTokens ? null : unmeteredItem(lower);
        if (unmetered != null) {
            add(
                    charges,
                    floatCost,
                    ProviderCharge.unmetered(BillSource.OPENAI, day, null, project, unmetered, value, lineItem));
            return;
        }
        if (kind == null) {
            otherItems.add(lineItem);
            add(
                    charges,
                    floatCost,
                    ProviderCharge.unmetered(
                            BillSource.OPENAI, day, null, project, "other: " + lineItem, value, lineItem));
            return;
        }
        add(
                charges,
                floatCost,
                ProviderCharge.tokens(
                        BillSource.OPENAI,
                        day,
                        lineItem.substring(0, comma).trim(),
                        project,
                        kind,
                        -1,
                        value,
                        lineItem));
    }

    private static void add(List<ProviderCharge> charges, boolean floatCost, ProviderCharge c) {
        charges.add(floatCost ? c.withBinaryFloatCost() : c);
    }

    /** What a line item the gateway never meters is, by whole words ("research" is not "search"); null if none. */
    static String unmeteredItem(String lower) {
        if (BATCH.matcher(lower).find()) {
            return "batch";
        }
        if (FINE_TUNING.matcher(lower).find()) {
            return "fine-tuning";
        }
        if (STORAGE.matcher(lower).find()) {
            return "storage";
        }
        if (TOOLS.matcher(lower).find()) {
            return "tool calls";
        }
        return null;
    }

    /** The token kind of a batch line's {@code batch input}, {@code batch cached input}, ...; null otherwise. */
    private static TokenKind batchKind(String tail) {
        String t = tail.trim();
        return t.startsWith("batch ") ? kind(t.substring("batch ".length()).trim()) : null;
    }

    private static TokenKind kind(String s) {
        return switch (s) {
            case "input", "uncached input" -> TokenKind.INPUT;
            case "cached input", "cached_input", "input (cached)" -> TokenKind.CACHED_INPUT;
            case "output" -> TokenKind.OUTPUT;
            default -> null;
        };
    }

    private static void usage(
            JsonNode r, LocalDate day, String where, List<ProviderUsage> usage, Map<String, String> seen) {
        String model = JsonPages.text(r, "model");
        String key = "usage|" + day + "|" + model + "|" + JsonPages.text(r, "project_id") + "|"
                + JsonPages.text(r, "api_key_id") + "|" + JsonPages.text(r, "user_id") + "|"
                + r.path("batch").asText()
                + "|" + JsonPages.text(r, "service_tier");
        String before = seen.putIfAbsent(key, where);
        if (before != null) {
            throw new BillFormatException(
                    where,
                    "usage of " + model + " on " + day + " appears twice (also in " + before
                            + "): overlapping files or pages");
        }
        long input = JsonPages.count(r, "input_tokens", where);
        long output = JsonPages.count(r, "output_tokens", where);
        if (input == 0 && output == 0) {
            return;
        }
        if (model == null) {
            throw new BillFormatException(where, "usage without model: request group_by=model");
        }
        long cached = JsonPages.count(r, "input_cached_tokens", where);
        String account = JsonPages.text(r, "api_key_id") != null
                ? JsonPages.text(r, "api_key_id")
                : JsonPages.text(r, "project_id");
        // batch tokens are compared with the batch results the gateway recorded, where it recorded any
        usage.add(new ProviderUsage(
                BillSource.OPENAI,
                day,
                model,
                account,
                TokenUsage.openAi(input, cached, output, 0),
                r.path("batch").asBoolean(false)));
    }
}
