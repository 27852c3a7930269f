package dev.spendgate.domain.routing;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The provider API a model name belongs to, when its name says so: OpenAI ({@code gpt-4o}, {@code o3}), Anthropic
 * ({@code claude-sonnet-4-5}), Bedrock model ids and inference profiles ({@code anthropic.claude-..},
 * {@code us.amazon.nova-..}, ARNs) and Gemini. A routing rule only changes the model of a call that keeps its
 * provider, path and body format, so a move between two families is never valid. Names of no known family (an Azure
 * deployment, a fine-tune alias) are not judged.
 */
public enum ModelFamily {
    OPENAI,
    ANTHROPIC,
    BEDROCK,
    GEMINI;

    /** vendor.model, with a geography prefix for cross-region inference profiles ({@code us.anthropic.claude-..}). */
    private static final Pattern BEDROCK_ID = Pattern.compile("((us|eu|apac|jp|au|ca|us-gov|global)\\.)?"
            + "(anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer|stability|twelvelabs|luma"
            + "|google|nvidia|minimax|moonshot|moonshotai)\\.");

    public static Optional<ModelFamily> of(String model) {
        if (model == null || model.isBlank()) {
            return Optional.empty();
        }
        String m = model.toLowerCase(Locale.ROOT).trim();
        if (m.startsWith("arn:aws:bedrock:") || BEDROCK_ID.matcher(m).lookingAt()) {
            return Optional.of(BEDROCK);
        }
        if (m.startsWith("claude-")) {
            return Optional.of(ANTHROPIC);
        }
        if (m.startsWith("gemini-")) {
            return Optional.of(GEMINI);
        }
        if (m.startsWith("gpt-")
                || m.startsWith("chatgpt-")
                || m.startsWith("ft:gpt-")
                || m.startsWith("text-embedding-")
                || m.startsWith("omni-moderation")
                || m.matches("^o[1-9](-.*)?$")) {
            return Optional.of(OPENAI);
        }
        return Optional.empty();
    }
}
