package dev.spendgate.function.proxy.usage;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Counts tokens with jtokkit when the provider did not report them (a cut stream). OpenAI models use their own
 * encoding ({@code o200k_base} for GPT-4o, 4.1, 5 and the o-series; {@code cl100k_base} before). Other providers'
 * tokenizers are not public: their text is counted with {@code o200k_base}, an estimate (Claude tokenizers yield
 * more tokens for the same text, so this undercounts; records carry {@code usage_source: estimated}).
 */
public final class TokenCounter {
    /** Per-message framing tokens OpenAI adds around each chat message (role and separators). */
    public static final int TOKENS_PER_MESSAGE = 3;

    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

    private TokenCounter() {}

    public static long count(String model, String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        return encodingFor(model).countTokensOrdinary(text);
    }

    /** The name of the encoding {@code model}'s text is counted with, e.g. {@code o200k_base}. */
    public static String encodingName(String model) {
        return typeFor(model).getName();
    }

    static Encoding encodingFor(String model) {
        // held, not looked up: the registry's look-up allocated on every call (about 2 % of a budgeted call's bytes)
        return typeFor(model) == EncodingType.CL100K_BASE ? Cl100k.ENCODING : O200k.ENCODING;
    }

    /** Loaded on first use, as the lazy registry loads it. */
    private static final class Cl100k {
        static final Encoding ENCODING = REGISTRY.getEncoding(EncodingType.CL100K_BASE);
    }

    private static final class O200k {
        static final Encoding ENCODING = REGISTRY.getEncoding(EncodingType.O200K_BASE);
    }

    private static EncodingType typeFor(String model) {
        String m = model == null ? "" : model;
        if (m.startsWith("gpt-3.5") || m.startsWith("gpt-4-") || m.equals("gpt-4") || m.startsWith("text-embedding")) {
            return EncodingType.CL100K_BASE;
        }
        return EncodingType.O200K_BASE;
    }
}
