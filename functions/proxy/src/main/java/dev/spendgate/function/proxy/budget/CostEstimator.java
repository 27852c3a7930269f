package dev.spendgate.function.proxy.budget;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.OutputLimits;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.ServiceTiers;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.pricing.ToolUseSystemPrompt;
import dev.spendgate.function.proxy.http.RequestLimits;
import dev.spendgate.function.proxy.upstream.Endpoint;
import dev.spendgate.function.proxy.usage.PromptText;
import dev.spendgate.function.proxy.usage.RequestedServiceTier;
import dev.spendgate.function.proxy.usage.TokenCounter;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * The worst-case cost of a call, reserved before it is forwarded (the README's "Worst-case estimate" lists the rules):
 *
 * <ul>
 *   <li>input: every billed input of the body ({@link BilledInput}: all message parts, system prompts, tools and
 *       schemas, media by a stated bound per item), with jtokkit's count for text (a text seen on an earlier call:
 *       its count then, {@link TextTokenMemo}) plus framing tokens per message;
 *       for providers other than OpenAI (tokenizer not public) the text count times {@value
 *       #FOREIGN_TOKENIZER_FACTOR}; on Claude with tools, Anthropic's tool-use system prompt ({@link
 *       ToolUseSystemPrompt}); a call that continues input stored at the provider ({@link StoredInput}: a Responses
 *       {@code previous_response_id}, {@code conversation}, a stored {@code prompt}; a Gemini chat call's {@code
 *       google.cached_content}) at least the model's context window, its worst case unknown (empty) when the window is; all at the full input price (no cache discount);
 *   <li>output: the request's cap ({@code max_tokens}, {@code max_completion_tokens}, {@code max_output_tokens},
 *       Bedrock's {@code inferenceConfig.maxTokens}) times {@code n}; with no cap, the model's maximum output
 *       ({@link OutputLimits}), or the configured default for a model not listed there;
 *   <li>cache writes: when an Anthropic request marks content with {@code cache_control} (or a Bedrock Converse
 *       request with a {@code cachePoint}), every input token at the cache-write price (1-hour when any mark asks for
 *       {@code ttl: 1h});
 *   <li>service tier: the requested tier's rates when they bill more than standard; a request naming no tier (or
 *       {@code auto}) at standard, or, where the operator says the provider project's default tier is priority
 *       ({@code SPENDGATE_RESERVE_UNASKED_TIER=dearest}), at the dearest tier the catalog prices that the provider
 *       may apply unasked (priority, scale), see {@link #tiersItMayBeServed};
 *   <li>data residency: times the multiplier of the region the body asks for ({@code inference_geo}), else the
 *       model's largest, as a workspace default may apply it ({@link ModelPrice#reservedRegionMultiplier});
 *   <li>fetched content: the most Anthropic's web fetch tool may add as input ({@link FetchedContent});
 *   <li>web searches: the most a web-search tool of the request may run ({@link WebSearchTools}), at the model's
 *       per-search fee, and their results as input;
 *   <li>other built-in tools: the fees the catalog has no price for, of OpenAI Responses {@code image_generation}
 *       (images), {@code code_interpreter} (a container) and {@code file_search} (calls), see {@link BuiltInToolFees}.
 * </ul>
 *
 * Settlement replaces the estimate by the provider's figure, so the estimate only decides admission.
 */
public final class CostEstimator {
    /** Headroom for tokenizers other than OpenAI's, relative to {@code o200k_base}. */
    public static final String FOREIGN_TOKENIZER_FACTOR = "1.35";

    /** The tiers a call that names none may be billed at (see {@link #tiersItMayBeServed}). */
    private static final List<String> UNASKED_TIERS =
            List.of(ServiceTiers.STANDARD, ServiceTiers.PRIORITY, ServiceTiers.SCALE);

    private final PricingCatalog pricing;
    private final long defaultMaxOutputTokens;
    private final TextTokenMemo memo = new TextTokenMemo();

    /** Whether a call naming no tier is reserved at the dearest tier it may be served unasked, not at standard. */
    private final boolean unaskedAtDearest;

    /** A call naming no tier reserved at standard rates. */
    public CostEstimator(PricingCatalog pricing, long defaultMaxOutputTokens) {
        this(pricing, defaultMaxOutputTokens, false);
    }

    /**
     * {@code unaskedAtDearest}: a call naming no tier (or {@code auto}) is reserved at the dearest tier the provider
     * may apply unasked, for a project whose default tier is priority ({@code SPENDGATE_RESERVE_UNASKED_TIER}).
     */
    public CostEstimator(PricingCatalog pricing, long defaultMaxOutputTokens, boolean unaskedAtDearest) {
        this.pricing = pricing;
        this.defaultMaxOutputTokens = defaultMaxOutputTokens;
        this.unaskedAtDearest = unaskedAtDearest;
    }

    /** The worst-case cost on {@code model} at the tier the body asks for, or empty when the model has no price. */
    public Optional<BigDecimal> estimate(
            String pricingProvider, String model, Endpoint endpoint, PromptText prompt, JsonNode body) {
        return estimate(pricingProvider, model, endpoint, prompt, body, RequestedServiceTier.of(body));
    }

    /**
     * The worst-case cost on {@code model} at {@code tierRequested} (as the client spelled it, null for none), or
     * empty when the model has no price.
     */
    public Optional<BigDecimal> estimate(
            String pricingProvider,
            String model,
            Endpoint endpoint,
            PromptText prompt,
            JsonNode body,
            String tierRequested) {
        Optional<ModelPrice> price = pricing.find(pricingProvider, model);
        if (price.isEmpty() || unknownWorstCase(price.get().model(), endpoint, body)) {
            return Optional.empty(); // no price, or input stored at the provider on a model of unknown context window
        }
        TokenUsage worst = worstCase(pricingProvider, model, endpoint, prompt, body);
        BigDecimal standard = price.get().cost(worst); // the long-context rule applies by the worst-case input
        // A requested tier that bills more (priority) is reserved at its rate; one the catalog has no rates for is
        // reserved at standard (the call is then recorded unpriced).
        BigDecimal reserved = standard;
        for (String tier : tiersItMayBeServed(pricingProvider, tierRequested, unaskedAtDearest)) {
            reserved = reserved.max(
                    price.get().quote(worst, tier, null).map(q -> q.cost()).orElse(standard));
        }
        return Optional.of(inRegion(price.get(), body, reserved).add(BuiltInToolFees.worstCase(endpoint, body)));
    }

    /**
     * The tiers a call may be billed at: the one it asks for. With none or {@code auto}: standard, unless {@code
     * unaskedAtDearest}, then every tier the provider may apply without the request naming it: OpenAI's project
     * default ({@code auto}: "the service tier configured in the Project settings", priority or scale), Anthropic's
     * Priority Tier ({@code auto} uses it when the organisation has it). Standard by default because most projects
     * are served standard unasked, and reserving every call at priority (about 2x) would refuse calls the README's own
     * budgets are sized for. Batch, flex, fast mode and latency-optimized inference are only ever served when asked
     * for, and Bedrock serves a request naming no tier at standard ("Default": no account-level default tier).
     */
    static List<String> tiersItMayBeServed(String pricingProvider, String tierRequested, boolean unaskedAtDearest) {
        boolean unasked =
                tierRequested == null || tierRequested.isBlank() || "auto".equalsIgnoreCase(tierRequested.trim());
        if (unasked && (!unaskedAtDearest || "bedrock".equals(pricingProvider))) {
            return List.of(ServiceTiers.STANDARD);
        }
        if (unasked) {
            return UNASKED_TIERS;
        }
        return List.of(tierRequested);
    }

    /** Whether the call's worst case is unknown on {@code model}: input it may bill has no bound there. */
    private static boolean unknownWorstCase(String model, Endpoint endpoint, JsonNode body) {
        return StoredInput.tokens(model, endpoint, body) < 0 || FetchedContent.tokens(model, endpoint, body) < 0;
    }

    /**
     * The worst-case cost of one request of a provider batch, at the {@code batch} tier's rates; empty when the model
     * or its batch tier has no price.
     */
    public Optional<BigDecimal> estimateBatchRequest(
            String pricingProvider, String model, Endpoint endpoint, JsonNode body) {
        Optional<ModelPrice> price = pricing.find(pricingProvider, model);
        if (price.isEmpty() || unknownWorstCase(price.get().model(), endpoint, body)) {
            return Optional.empty();
        }
        TokenUsage worst = worstCase(pricingProvider, model, endpoint, PromptText.of(endpoint, body), body);
        return price.get().quote(worst, ServiceTiers.BATCH, null).map(q -> inRegion(price.get(), body, q.cost())
                .add(BuiltInToolFees.worstCase(endpoint, body)));
    }

    /** {@code cost} times the data-residency multiplier the call may be billed at. */
    private static BigDecimal inRegion(ModelPrice price, JsonNode body, BigDecimal cost) {
        JsonNode geo = body == null ? null : body.get("inference_geo");
        BigDecimal multiplier = price.reservedRegionMultiplier(geo != null && geo.isTextual() ? geo.asText() : null);
        return multiplier.compareTo(BigDecimal.ONE) == 0 ? cost : cost.multiply(multiplier);
    }

    /**
     * The input a call the provider did not report usage for is estimated at: every billed input of the body (tools,
     * schemas, system prompts, media by their bound), counted as for the worst case but without the headroom factor.
     */
    public long billedInputTokens(String pricingProvider, String model, PromptText prompt, JsonNode body) {
        // an alias (a prompt router or application inference profile ARN) counts as its target model's input
        String billedModel =
                pricing.find(pricingProvider, model).map(ModelPrice::model).orElse(model);
        BilledInput.Count counted = BilledInput.of(body, billedModel, pricingProvider, memo);
        return counted.text() + (long) TokenCounter.TOKENS_PER_MESSAGE * (prompt.messages() + 1) + counted.media();
    }

    /** The most output the request lets the model bill: its cap (or the model's maximum) times {@code n}. */
    public long maxOutputTokens(String model, PromptText prompt, JsonNode body) {
        long cap = prompt.maxOutputTokens() != null
                ? prompt.maxOutputTokens()
                : OutputLimits.maxOutputTokens(model, defaultMaxOutputTokens);
        Long n = RequestLimits.longValue(body, "n");
        return Math.multiplyExact(cap, n == null ? 1 : n);
    }

    /**
     * The tokens of Anthropic's tool-use system prompt ({@link ToolUseSystemPrompt}) when the body offers tools
     * ({@code tools}, Bedrock Converse's {@code toolConfig.tools}); 0 without tools or on a model that is not Claude.
     */
    static long toolUseSystemPrompt(String model, JsonNode body) {
        JsonNode tools = body.path("tools");
        JsonNode choice = body.path("tool_choice");
        if (!tools.isArray() || tools.isEmpty()) {
            tools = body.path("toolConfig").path("tools");
            choice = body.path("toolConfig").path("toolChoice");
        }
        if (!tools.isArray() || tools.isEmpty()) {
            return 0;
        }
        // Anthropic {"type": "any"}, Bedrock {"any": {}}, OpenAI format "required" or a named function: forced
        String kind = choice.isTextual()
                ? choice.asText()
                : choice.has("type")
                        ? choice.path("type").asText()
                        : choice.fieldNames().hasNext() ? choice.fieldNames().next() : "auto";
        boolean forced = !(kind.isEmpty() || "auto".equals(kind) || "none".equals(kind));
        return ToolUseSystemPrompt.tokens(model, forced);
    }

    /** The token counts the worst case is priced at. */
    TokenUsage worstCase(String pricingProvider, String model, Endpoint endpoint, PromptText prompt, JsonNode body) {
        // the model the catalog prices the id as: an alias (a Bedrock prompt router or application inference profile
        // ARN, which names no model) reserves its target model's media tokens, context window, maximum output and
        // tool-use system prompt
        String capModel =
                pricing.find(pricingProvider, model).map(ModelPrice::model).orElse(model);
        BilledInput.Count counted = BilledInput.of(body, capModel, pricingProvider, memo);
        long text = counted.text() + (long) TokenCounter.TOKENS_PER_MESSAGE * (prompt.messages() + 1);
        if (!"openai".equals(pricingProvider)) {
            text = new BigDecimal(text)
                    .multiply(new BigDecimal(FOREIGN_TOKENIZER_FACTOR))
                    .setScale(0, java.math.RoundingMode.CEILING)
                    .longValueExact();
        }
        long input = text + counted.media() + toolUseSystemPrompt(capModel, body);
        // a call continuing input stored at the provider may bill up to the model's context window as input, and
        // Anthropic's web fetch tool bills what it fetched as input
        input = Math.max(input, StoredInput.tokens(capModel, endpoint, body));
        long fetched = FetchedContent.tokens(capModel, endpoint, body);
        if (fetched > 0) {
            input = input > Long.MAX_VALUE - fetched ? Long.MAX_VALUE : input + fetched;
        }
        input = saturatedAdd(input, WebSearchTools.resultTokens(capModel, endpoint, body)); // results are input
        long output = endpoint == Endpoint.EMBEDDINGS ? 0 : maxOutputTokens(capModel, prompt, body);
        long searches = WebSearchTools.worstCase(endpoint, body);
        long previewSearches = WebSearchTools.mayBePreview(endpoint, body) ? searches : 0;
        if (endpoint == Endpoint.MESSAGES
                && (body.findValue("cache_control") != null || body.findValue("cachePoint") != null)) {
            boolean oneHour = body.findValues("ttl").stream().anyMatch(ttl -> "1h".equals(ttl.asText()));
            return new TokenUsage(
                    input, 0, oneHour ? 0 : input, oneHour ? input : 0, output, 0, searches, previewSearches);
        }
        return new TokenUsage(input, 0, 0, 0, output, 0, searches, previewSearches);
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }
}
