package dev.spendgate.domain.pricing;

import java.util.Locale;

/**
 * The most input tokens one image bills on a model, at the largest size the provider reads (it scales larger images
 * down), for the worst case of a request with images. Figures live in {@code image-tokens.csv} beside this class
 * (sources in its header), matched as {@link ModelTable} says; a Claude id the table does not list (a newer version)
 * gets the largest Claude figure, any other model {@value #UNLISTED}.
 */
public final class ImageTokens {
    /** A model not listed: OpenAI's detail-high bound (2048 x 768 px, 8 tiles), used for every other provider too. */
    public static final long UNLISTED = 3_800;

    private static final ModelTable TABLE = ModelTable.load("image-tokens.csv");
    private static final long CLAUDE_UNKNOWN = TABLE.largest("claude-", 0);

    private ImageTokens() {}

    /** The most tokens one image bills on {@code model}. */
    public static long maxTokens(String model) {
        if (model == null) {
            return UNLISTED;
        }
        return TABLE.find(model)
                .map(row -> row[0])
                .orElse(model.toLowerCase(Locale.ROOT).contains("claude") ? CLAUDE_UNKNOWN : UNLISTED);
    }
}
