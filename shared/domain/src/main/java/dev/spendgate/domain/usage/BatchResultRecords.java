package dev.spendgate.domain.usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.ServiceTiers;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Usage records for the results of a completed provider batch: one per result line, at the batch tier's rates, with
 * the batch id and the attribution of whoever created the batch. A record's request id is
 * {@code batch_id/custom_id}, so recording the same results again (a second retrieve) adds nothing a reader keeps:
 * readers drop repeated request ids.
 *
 * <p>Not yet wired to the gateway: the batch endpoints are not proxied (see the README, Pricing).
 */
public final class BatchResultRecords {
    private static final ObjectMapper JSON = new ObjectMapper();

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

    /**
     * OpenAI batch output ({@code /v1/files/{output_file_id}/content}): lines of {@code custom_id} and
     * {@code response.status_code} / {@code response.body} (a chat completion, a response or an embedding list) or
     * {@code error}.
     */
    public static List<UsageRecord> openAi(byte[] jsonl, Batch batch, CallPricer pricer) {
        List<UsageRecord> records = new ArrayList<>();
        int lineNumber = 0;
        for (String line : new String(jsonl, StandardCharsets.UTF_8).split("\n")) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = parse(line, lineNumber);
            String customId = n.path("custom_id").asText("line-" + lineNumber);
            JsonNode response = n.path("response");
            JsonNode body = response.path("body");
            JsonNode usage = body.path("usage");
            int status = response.path("status_code").asInt(0);
            if (status < 200 || status >= 300 || !usage.isObject()) {
                records.add(notBillable(batch, customId, body.path("model").asText(null), status, errorType(n)));
                continue;
            }
            // as the live trackers read them: cached and cache-write tokens are part of the input, reasoning of the
            // output
            boolean responses = usage.has("input_tokens");
            JsonNode input = usage.path(responses ? "input_tokens_details" : "prompt_tokens_details");
            TokenUsage tokens = TokenUsage.openAi(
                    usage.path(responses ? "input_tokens" : "prompt_tokens").asLong(),
                    input.path("cached_tokens").asLong(),
                    input.path("cache_write_tokens").asLong(),
                    usage.path(responses ? "output_tokens" : "completion_tokens")
                            .asLong(),
                    usage.path(responses ? "output_tokens_details" : "completion_tokens_details")
                            .path("reasoning_tokens")
                            .asLong());
            records.add(priced(batch, customId, body.path("model").asText(null), status, tokens, null, pricer));
        }
        return records;
    }

    /**
     * Anthropic Message Batch results ({@code /v1/messages/batches/{id}/results}): lines of {@code custom_id} and
     * {@code result} whose {@code type} is {@code succeeded} (with the {@code message}), {@code errored},
     * {@code canceled} or {@code expired}; only succeeded requests are billed.
     */
    public static List<UsageRecord> anthropic(byte[] jsonl, Batch batch, CallPricer pricer) {
        List<UsageRecord> records = new ArrayList<>();
        int lineNumber = 0;
        for (String line : new String(jsonl, StandardCharsets.UTF_8).split("\n")) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = parse(line, lineNumber);
            String customId = n.path("custom_id").asText("line-" + lineNumber);
            JsonNode result = n.path("result");
            JsonNode message = result.path("message");
            JsonNode usage = message.path("usage");
            if (!"succeeded".equals(result.path("type").asText()) || !usage.isObject()) {
                records.add(notBillable(
                        batch, customId, null, 0, "batch_" + result.path("type").asText("unknown")));
                continue;
            }
            long creation = usage.path("cache_creation_input_tokens").asLong();
            long oneHour = Math.min(
                    creation,
                    usage.path("cache_creation")
                            .path("ephemeral_1h_input_tokens")
                            .asLong());
            TokenUsage tokens = TokenUsage.anthropic(
                    usage.path("input_tokens").asLong(),
                    usage.path("cache_read_input_tokens").asLong(),
                    creation - oneHour,
                    oneHour,
                    usage.path("output_tokens").asLong());
            JsonNode geo = usage.get("inference_geo"); // a US-only request is billed with its multiplier
            records.add(priced(
                    batch,
                    customId,
                    message.path("model").asText(null),
                    200,
                    tokens,
                    geo != null && geo.isTextual() ? geo.asText() : null,
                    pricer));
        }
        return records;
    }

    private static UsageRecord priced(
            Batch batch,
            String customId,
            String model,
            int status,
            TokenUsage tokens,
            String inferenceGeo,
            CallPricer pricer) {
        CallPricer.Priced priced = pricer.price(new CallPricer.Call(
                batch.provider(),
                model,
                model,
                tokens,
                true,
                ServiceTiers.BATCH,
                null,
                inferenceGeo,
                batch.createdAt()));
        return base(batch, customId, model, status)
                .tokens(tokens)
                .inferenceGeo(inferenceGeo)
                .costUsd(priced.cost())
                .pricingStatus(priced.priced() ? PricingStatus.PRICED : PricingStatus.UNPRICED)
                .usageSource(UsageSource.PROVIDER)
                .build();
    }

    private static UsageRecord notBillable(Batch batch, String customId, String model, int status, String error) {
        return base(batch, customId, model, status).errorType(error).build();
    }

    private static UsageRecord.Builder base(Batch batch, String customId, String model, int status) {
        return UsageRecord.builder()
                .requestId(batch.batchId() + "/" + customId)
                .tsStart(batch.createdAt())
                .tsEnd(batch.completedAt())
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

    private static JsonNode parse(String line, int number) {
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            throw new IllegalArgumentException("batch results line " + number + " is not valid JSON");
        }
    }
}
