package dev.spendgate.domain.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.ServiceTiers;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.pricing.WebSearchActions;
import dev.spendgate.domain.pricing.WebSearchToolTypes;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Usage records for the results of a completed provider batch: one per result line, at the batch tier's rates, with
 * the batch id and the attribution of whoever created the batch, dated at the batch's end ({@code ts_start} and
 * {@code ts_end}, the instant its budgets are charged at) with its creation in {@code batch_created_at}. A record's request id is
 * {@code batch_id/custom_id}, so recording the same results again (a second retrieve) adds nothing a reader keeps:
 * readers drop repeated request ids.
 */
public final class BatchResultRecords {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** As the live path marks a call whose usage was incomplete. */
    private static final String USAGE_MISSING = "usage_missing";

    private BatchResultRecords() {}

    /** Who created the batch and when it completed. */
    public record Batch(
            String batchId,
            String provider,
            String keyId,
            Attribution attribution,
            Instant createdAt,
            Instant completedAt,
            String pricingVersion) {
        public Batch {
            Objects.requireNonNull(batchId, "batchId");
            Objects.requireNonNull(provider, "provider");
            Objects.requireNonNull(createdAt, "createdAt");
            Objects.requireNonNull(completedAt, "completedAt");
        }
    }

    /** Counts the tokens of a model's text, for a line whose provider counts are not all counts. */
    @FunctionalInterface
    public interface TextTokens {
        /** Counts nothing: a line with a negative count keeps the counts that are counts. */
        TextTokens NONE = (model, text) -> 0;

        long count(String model, String text);
    }

    /** {@link #openAi(byte[], Batch, CallPricer, TextTokens)} without counting text. */
    public static List<UsageRecord> openAi(byte[] jsonl, Batch batch, CallPricer pricer) {
        return openAi(jsonl, batch, pricer, TextTokens.NONE);
    }

    /**
     * OpenAI batch output ({@code /v1/files/{output_file_id}/content}) or error file: lines of {@code custom_id} and
     * {@code response.status_code} / {@code response.body} (a chat completion, a response or an embedding list) or
     * {@code error}. A line's counts are read as the live trackers read them ({@link UsageCounts}): a negative count
     * (OpenAI has sent {@code "completion_tokens": -35}) makes the line {@code usage_source: estimated}, its output
     * counted with {@code tokens} from the answer's text; a line that cannot be read is recorded unpriced. No line
     * keeps the others from being recorded.
     */
    public static List<UsageRecord> openAi(byte[] jsonl, Batch batch, CallPricer pricer, TextTokens tokens) {
        return lines(jsonl, batch, (n, customId) -> openAiLine(n, customId, batch, pricer, tokens));
    }

    private static UsageRecord openAiLine(
            JsonNode n, String customId, Batch batch, CallPricer pricer, TextTokens counter) {
        JsonNode response = n.path("response");
        JsonNode body = response.path("body");
        JsonNode usage = body.path("usage");
        int status = response.path("status_code").asInt(0);
        String model = body.path("model").asText(null);
        if (status < 200 || status >= 300 || !usage.isObject()) {
            return notBillable(batch, customId, model, status, errorType(n));
        }
        // as the live trackers read them: cached and cache-write tokens are part of the input, reasoning of the
        // output
        boolean responses = usage.has("input_tokens");
        JsonNode input = usage.path(responses ? "input_tokens_details" : "prompt_tokens_details");
        // a count that is null or absent is no count: the line is estimated, as a live call is (README "Pricing")
        long prompt = UsageCounts.count(usage.get(responses ? "input_tokens" : "prompt_tokens"));
        long cached = input.path("cached_tokens").asLong();
        long cacheWrite = input.path("cache_write_tokens").asLong();
        // an embedding list bills input alone and has no completion count
        long completion = "list".equals(body.path("object").asText()) && !usage.has("completion_tokens")
                ? 0
                : UsageCounts.count(usage.get(responses ? "output_tokens" : "completion_tokens"));
        long reasoning = usage.path(responses ? "output_tokens_details" : "completion_tokens_details")
                .path("reasoning_tokens")
                .asLong();
        TokenUsage tokens = withWebSearches(
                UsageCounts.openAi(prompt, cached, cacheWrite, completion, reasoning), openAiWebSearches(body));
        // a response echoes its request's tools: searches of web_search_preview alone pay that tool's fee, as live
        tokens =
                tokens == null ? null : tokens.withPreviewWebSearches(WebSearchToolTypes.allPreview(body.get("tools")));
        tokens = tokens == null ? null : tokens.withImageGenerations(openAiItems(body, "image_generation_call"));
        tokens = tokens == null ? null : tokens.withFileSearches(openAiItems(body, "file_search_call"));
        tokens = tokens == null ? null : tokens.withCodeInterpreterCalls(openAiItems(body, "code_interpreter_call"));
        if (UsageCounts.valid(prompt, cached, cacheWrite, completion, reasoning)) {
            return priced(batch, customId, model, status, tokens, null, pricer);
        }
        return estimated(batch, customId, model, status, tokens, counter.count(model, openAiText(body)), null, pricer);
    }

    /** {@code tokens} with the searches run, or null when the input is no count (the line is then unpriced). */
    private static TokenUsage withWebSearches(TokenUsage tokens, long searches) {
        return tokens == null ? null : tokens.withWebSearches(searches);
    }

    /**
     * A response's {@code web_search_call} output items whose action is a search
     * ({@link WebSearchActions#billed}): each is one search, billed per call as on the live path.
     */
    private static long openAiWebSearches(JsonNode body) {
        long searches = 0;
        for (JsonNode item : body.path("output")) {
            JsonNode action = item.path("action").get("type");
            if ("web_search_call".equals(item.path("type").asText())
                    && WebSearchActions.billed(action != null && action.isTextual() ? action.asText() : null)) {
                searches++;
            }
        }
        return searches;
    }

    /**
     * A response's output items of {@code type}: {@code image_generation_call} ones are images billed at GPT Image
     * rates, {@code file_search_call} ones file searches billed per call, and {@code code_interpreter_call} ones code
     * run in a container billed by size and session, which leave the line unpriced as on the live path.
     */
    private static long openAiItems(JsonNode body, String type) {
        long items = 0;
        for (JsonNode item : body.path("output")) {
            if (type.equals(item.path("type").asText())) {
                items++;
            }
        }
        return items;
    }

    /** The text an OpenAI answer bills as output: chat choices (and tool-call arguments) or a response's output. */
    private static String openAiText(JsonNode body) {
        StringBuilder text = new StringBuilder();
        for (JsonNode choice : body.path("choices")) {
            JsonNode message = choice.path("message");
            append(text, message.get("content"));
            for (JsonNode call : message.path("tool_calls")) {
                append(text, call.path("function").get("arguments"));
            }
        }
        for (JsonNode item : body.path("output")) {
            for (JsonNode part : item.path("content")) {
                append(text, part.get("text"));
            }
            append(text, item.get("arguments"));
        }
        return text.toString();
    }

    /** {@link #anthropic(byte[], Batch, CallPricer, TextTokens)} without counting text. */
    public static List<UsageRecord> anthropic(byte[] jsonl, Batch batch, CallPricer pricer) {
        return anthropic(jsonl, batch, pricer, TextTokens.NONE);
    }

    /**
     * Anthropic Message Batch results ({@code /v1/messages/batches/{id}/results}): lines of {@code custom_id} and
     * {@code result} whose {@code type} is {@code succeeded} (with the {@code message}), {@code errored},
     * {@code canceled} or {@code expired}; only succeeded requests are billed. Counts are read as for
     * {@link #openAi(byte[], Batch, CallPricer, TextTokens)}.
     */
    public static List<UsageRecord> anthropic(byte[] jsonl, Batch batch, CallPricer pricer, TextTokens tokens) {
        return lines(jsonl, batch, (n, customId) -> anthropicLine(n, customId, batch, pricer, tokens));
    }

    private static UsageRecord anthropicLine(
            JsonNode n, String customId, Batch batch, CallPricer pricer, TextTokens counter) {
        JsonNode result = n.path("result");
        JsonNode message = result.path("message");
        JsonNode usage = message.path("usage");
        if (!"succeeded".equals(result.path("type").asText()) || !usage.isObject()) {
            return notBillable(
                    batch, customId, null, 0, "batch_" + result.path("type").asText("unknown"));
        }
        long inputTokens = UsageCounts.count(usage.get("input_tokens")); // null or absent: no count, estimated
        long cacheRead = usage.path("cache_read_input_tokens").asLong();
        long creation = usage.path("cache_creation_input_tokens").asLong();
        long oneHour = Math.max(
                0,
                Math.min(
                        creation,
                        usage.path("cache_creation")
                                .path("ephemeral_1h_input_tokens")
                                .asLong()));
        long output = UsageCounts.count(usage.get("output_tokens"));
        JsonNode geo = usage.get("inference_geo"); // a US-only request is billed with its multiplier
        String inferenceGeo = geo != null && geo.isTextual() ? geo.asText() : null;
        String model = message.path("model").asText(null);
        long searches =
                usage.path("server_tool_use").path("web_search_requests").asLong();
        TokenUsage tokens = withWebSearches( // billed per search, as on the live path
                UsageCounts.anthropic(inputTokens, cacheRead, creation - oneHour, oneHour, output),
                Math.max(0, searches));
        if (UsageCounts.valid(inputTokens, cacheRead, creation - oneHour, oneHour, output)) {
            return priced(batch, customId, model, 200, tokens, inferenceGeo, pricer);
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode block : message.path("content")) {
            append(text, block.get("text"));
            if (block.has("input")) {
                text.append(block.get("input"));
            }
        }
        return estimated(
                batch, customId, model, 200, tokens, counter.count(model, text.toString()), inferenceGeo, pricer);
    }

    /**
     * One record per non-blank line, each read on its own: a line that fails is recorded unpriced, not thrown. The lines
     * are read in place, with no copy of the whole file (a results file may be hundreds of MB).
     */
    private static List<UsageRecord> lines(
            byte[] jsonl, Batch batch, java.util.function.BiFunction<JsonNode, String, UsageRecord> read) {
        List<UsageRecord> records = new ArrayList<>();
        int lineNumber = 0;
        for (int start = 0; start < jsonl.length; ) {
            int end = start;
            while (end < jsonl.length && jsonl[end] != '\n') {
                end++;
            }
            lineNumber++;
            if (!blank(jsonl, start, end)) {
                records.add(line(jsonl, start, end - start, "line-" + lineNumber, batch, read));
            }
            start = end + 1;
        }
        return records;
    }

    private static UsageRecord line(
            byte[] jsonl,
            int offset,
            int length,
            String lineId,
            Batch batch,
            java.util.function.BiFunction<JsonNode, String, UsageRecord> read) {
        String customId = lineId;
        try {
            JsonNode n = JSON.readTree(jsonl, offset, length);
            JsonNode id = n == null ? null : n.get("custom_id");
            customId = id != null && id.isTextual() ? id.asText() : customId;
            return read.apply(n == null ? JSON.missingNode() : n, customId);
        } catch (IOException | RuntimeException e) {
            // the provider billed what it billed: the cost is unknown, not zero, and the other lines still count
            return base(batch, customId, null, 0)
                    .errorType("batch_line_unreadable")
                    .pricingStatus(PricingStatus.UNPRICED)
                    .usageSource(UsageSource.ESTIMATED)
                    .build();
        }
    }

    /** Whether the bytes hold nothing but ASCII spaces and control characters. */
    private static boolean blank(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] < 0 || bytes[i] > ' ') {
                return false;
            }
        }
        return true;
    }

    private static void append(StringBuilder text, JsonNode value) {
        if (value != null && value.isTextual()) {
            text.append(value.asText());
        }
    }

    private static UsageRecord priced(
            Batch batch,
            String customId,
            String model,
            int status,
            TokenUsage tokens,
            String inferenceGeo,
            CallPricer pricer) {
        return priced(batch, customId, model, status, tokens, inferenceGeo, true, pricer)
                .usageSource(UsageSource.PROVIDER)
                .build();
    }

    private static UsageRecord.Builder priced(
            Batch batch,
            String customId,
            String model,
            int status,
            TokenUsage tokens,
            String inferenceGeo,
            boolean providerReported,
            CallPricer pricer) {
        CallPricer.Priced priced = pricer.price(new CallPricer.Call(
                batch.provider(),
                model,
                model,
                tokens,
                providerReported,
                ServiceTiers.BATCH,
                null,
                inferenceGeo,
                batch.createdAt()));
        return base(batch, customId, model, status)
                .tokens(tokens)
                .inferenceGeo(inferenceGeo)
                .costUsd(priced.cost())
                .pricingStatus(priced.priced() ? PricingStatus.PRICED : PricingStatus.UNPRICED);
    }

    /**
     * A line whose counts are not all counts, as the live path records such a call: the counts that are counts, the
     * output counted from its text where that is more, the web searches reported, {@code usage_source: estimated}, {@code error_type:
     * usage_missing}; unpriced when even the input is not a count.
     */
    private static UsageRecord estimated(
            Batch batch,
            String customId,
            String model,
            int status,
            TokenUsage partial,
            long countedOutput,
            String inferenceGeo,
            CallPricer pricer) {
        if (partial == null) {
            return base(batch, customId, model, status)
                    .inferenceGeo(inferenceGeo)
                    .errorType(USAGE_MISSING)
                    .pricingStatus(PricingStatus.UNPRICED)
                    .usageSource(UsageSource.ESTIMATED)
                    .build();
        }
        // the searches the provider reported stand, billed per search whatever the token counts say (as the live
        // path's estimate keeps them)
        TokenUsage tokens = new TokenUsage(
                partial.inputTokens(),
                partial.cachedInputTokens(),
                partial.cacheWrite5mTokens(),
                partial.cacheWrite1hTokens(),
                Math.max(countedOutput, partial.outputTokens()),
                0,
                partial.webSearches(),
                partial.previewWebSearches(),
                partial.imageGenerations(),
                partial.fileSearches(),
                partial.codeInterpreterCalls());
        return priced(batch, customId, model, status, tokens, inferenceGeo, false, pricer)
                .usageSource(UsageSource.ESTIMATED)
                .errorType(USAGE_MISSING)
                .build();
    }

    private static UsageRecord notBillable(Batch batch, String customId, String model, int status, String error) {
        return base(batch, customId, model, status).errorType(error).build();
    }

    private static UsageRecord.Builder base(Batch batch, String customId, String model, int status) {
        return UsageRecord.builder()
                .requestId(batch.batchId() + "/" + customId)
                // dated at the batch's end, where its budgets are charged: the reports, FOCUS ChargePeriod and the
                // reconciliation day count it in the same period as the gateway
                .tsStart(batch.completedAt())
                .tsEnd(batch.completedAt())
                .batchCreatedAt(batch.createdAt())
                .keyId(batch.keyId())
                .attribution(batch.attribution())
                .provider(batch.provider())
                .endpoint("batches")
                .modelRequested(model)
                .modelServed(model)
                .statusCode(status)
                .pricingVersion(batch.pricingVersion())
                .serviceTierServed(ServiceTiers.BATCH)
                .batchId(batch.batchId());
    }

    /**
     * {@code batch_} and the line's error code ({@code batch_batch_expired} for OpenAI's {@code batch_expired}), else the
     * failed response body's error code or type ({@code batch_invalid_request_error}), else {@code batch_request_failed}.
     */
    private static String errorType(JsonNode line) {
        JsonNode error = line.path("error");
        String code =
                error.isObject() && error.hasNonNull("code") ? error.get("code").asText() : null;
        if (code == null) {
            JsonNode body = line.path("response").path("body").path("error");
            code = body.hasNonNull("code")
                    ? body.get("code").asText()
                    : body.path("type").asText(null);
        }
        if (code == null || code.isBlank()) {
            return "batch_request_failed";
        }
        return "batch_" + code;
    }
}
