package dev.spendgate.function.proxy.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.domain.io.DisplayControls;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * The request values a budget's worst case rests on, checked before anything is estimated or forwarded: the output
 * caps ({@code max_tokens}, {@code max_completion_tokens}, {@code max_output_tokens}, Bedrock's {@code
 * inferenceConfig.maxTokens} and the invoke bodies' caps) and {@code n} must be positive whole numbers within sane
 * bounds, {@code model} at most {@value #MAX_MODEL_LENGTH} characters without control or bidirectional formatting
 * characters ({@link DisplayControls}) and the service tier asked for ({@code
 * service_tier}, Converse's {@code serviceTier.type}) at most {@value #MAX_SERVICE_TIER_LENGTH}, without control
 * characters, since both are kept in every record. A bad value is a 400 naming the field, never a store error, a record
 * too large for the usage log or a budget admitted at the wrong price.
 */
public final class RequestLimits {
    /** The longest model name kept in a record; longer names are refused. */
    public static final int MAX_MODEL_LENGTH = 256;
    /**
     * The longest service tier kept in a record ({@code service_tier_requested}); the providers' tiers are short words
     * ({@code flex}, {@code priority}, {@code standard_only}), so a longer one is refused.
     */
    public static final int MAX_SERVICE_TIER_LENGTH = 64;
    /** No model answers more tokens than this in one call; a larger cap is a client error. */
    static final long MAX_OUTPUT_TOKENS = 10_000_000L;
    /** OpenAI's own limit for {@code n}. */
    static final long MAX_CHOICES = 128;

    private static final String[][] OUTPUT_CAPS = {
        {"max_tokens"},
        {"max_completion_tokens"},
        {"max_output_tokens"},
        {"inferenceConfig", "maxTokens"},
        {"inferenceConfig", "max_new_tokens"},
        {"textGenerationConfig", "maxTokenCount"},
        {"max_gen_len"}
    };

    private static final String[][] SERVICE_TIERS = {{"service_tier"}, {"serviceTier", "type"}};

    private RequestLimits() {}

    /** A refused value: the field (dotted path) and the message for the client. */
    public record Invalid(String field, String message) {}

    /** The first value out of bounds, or empty when the body's caps, {@code n} and model are acceptable. */
    public static Optional<Invalid> check(JsonNode body, String model) {
        if (model != null && (model.length() > MAX_MODEL_LENGTH || DisplayControls.hasControl(model))) {
            // a line break or ESC in a kept name would forge rows of `usage` tables and reach operators' terminals; a
            // right-to-left override (U+202E) would show the rest of its row in another order
            return Optional.of(new Invalid(
                    "model",
                    "'model' must be at most " + MAX_MODEL_LENGTH
                            + " characters without control characters or bidirectional formatting characters"
                            + " (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069); it is kept in every"
                            + " record."));
        }
        for (String[] path : SERVICE_TIERS) {
            JsonNode value = at(body, path);
            if (value != null && value.isTextual()) {
                Optional<Invalid> bad = checkServiceTier(String.join(".", path), value.asText());
                if (bad.isPresent()) {
                    return bad;
                }
            }
        }
        for (String[] path : OUTPUT_CAPS) {
            JsonNode value = at(body, path);
            if (value != null && !value.isNull() && wholeNumber(value, 1, MAX_OUTPUT_TOKENS) == null) {
                String field = String.join(".", path);
                return Optional.of(new Invalid(
                        field, "'" + field + "' must be a whole number from 1 to " + MAX_OUTPUT_TOKENS + "."));
            }
        }
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && wholeNumber(n, 1, MAX_CHOICES) == null) {
            return Optional.of(new Invalid("n", "'n' must be a whole number from 1 to " + MAX_CHOICES + "."));
        }
        if (body.path("background").asBoolean(false)) {
            // the answer is "queued", without usage; the model then runs and bills, and its result and usage come from
            // GET /v1/responses/{id}, which Spendgate does not relay: the call could be neither priced nor budgeted
            return Optional.of(new Invalid(
                    "background",
                    "'background' responses are not supported through Spendgate: their usage is only known after the"
                            + " answer, so they could not be priced or held to a budget. Send the call without"
                            + " 'background' (streaming keeps long calls alive)."));
        }
        return Optional.empty();
    }

    /**
     * A service tier asked for in {@code field} (a body field or a header) that cannot be kept in a record: longer than
     * {@value #MAX_SERVICE_TIER_LENGTH} characters or holding a control character. Empty when acceptable or null.
     */
    public static Optional<Invalid> checkServiceTier(String field, String tier) {
        if (tier == null || (tier.length() <= MAX_SERVICE_TIER_LENGTH && !hasControlCharacter(tier))) {
            return Optional.empty();
        }
        return Optional.of(new Invalid(
                field,
                "'" + field + "' must be at most " + MAX_SERVICE_TIER_LENGTH
                        + " characters without control characters; it is kept in every record."));
    }

    /** Whether {@code text} holds a C0 or C1 control character (line breaks, tabs, ESC, DEL). */
    public static boolean hasControlCharacter(String text) {
        return text.chars().anyMatch(Character::isISOControl);
    }

    /** The value of a number field that passed {@link #check}, or null when absent. */
    public static Long longValue(JsonNode body, String... path) {
        JsonNode value = at(body, path);
        return value == null || value.isNull() ? null : wholeNumber(value, 1, Long.MAX_VALUE);
    }

    private static JsonNode at(JsonNode body, String[] path) {
        JsonNode node = body;
        for (String step : path) {
            node = node == null ? null : node.get(step);
        }
        return node;
    }

    /** The value when it is a JSON number without a fraction in [min, max]; null otherwise (text, 2.5, -5). */
    private static Long wholeNumber(JsonNode value, long min, long max) {
        if (!value.isNumber()) {
            return null;
        }
        BigDecimal exact = value.decimalValue();
        if (exact.signum() != 0 && exact.stripTrailingZeros().scale() > 0) {
            return null;
        }
        if (exact.compareTo(BigDecimal.valueOf(min)) < 0 || exact.compareTo(BigDecimal.valueOf(max)) > 0) {
            return null;
        }
        return exact.longValueExact();
    }
}
