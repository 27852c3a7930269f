package dev.spendgate.domain.waste;

import java.util.Arrays;
import java.util.Collection;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The geographic inference profile a Bedrock call asked for ({@code us.}, {@code eu.}, {@code apac.} ...). The pricing
 * catalog prices {@code us.anthropic.claude-opus-4-1-...} as the bare model, so findings name the bare id; Bedrock
 * refuses the bare id of Claude Opus 4.x and Haiku 4.5 on demand, and a route only takes the names it lists. A fix
 * or advice for calls that asked through a profile names the models under that profile: the calls' own name, and
 * the cheaper model in the same geography (the data stays there). {@code global.} profiles are their own catalog
 * entries, never a prefix here.
 */
public final class BedrockGeography {
    /** A model-mismatch finding's evidence detail: the model names its calls asked for, comma-separated. */
    public static final String REQUESTED_MODELS = "requested_models";

    private static final Pattern GEO_PREFIX = Pattern.compile("(us|eu|apac|us-gov|jp|au|ca)\\.");

    private BedrockGeography() {}

    /**
     * The geographic prefix ({@code us.}) under which {@code requested} names {@code catalogModel}, or {@code ""} when
     * it names it otherwise (the bare id, a snapshot alias, an ARN).
     */
    public static String prefix(String requested, String catalogModel) {
        if (requested == null || catalogModel == null || !requested.endsWith("." + catalogModel)) {
            return "";
        }
        String head = requested.substring(0, requested.length() - catalogModel.length());
        return GEO_PREFIX.matcher(head).matches() ? head : "";
    }

    /**
     * The one prefix every requested name of the model is under ({@code ""}: none of them asks through a profile);
     * empty when they ask through more than one form (two geographies, or a profile and the bare id).
     */
    public static Optional<String> common(Collection<String> requested, String catalogModel) {
        TreeSet<String> prefixes = new TreeSet<>();
        for (String r : requested) {
            prefixes.add(prefix(r, catalogModel));
        }
        if (prefixes.size() > 1) {
            return Optional.empty();
        }
        return Optional.of(prefixes.isEmpty() ? "" : prefixes.first());
    }

    /**
     * The prefix a model-mismatch finding's route and degrade chain name its models under: the one its calls asked
     * through ({@code requested_models}; {@code ""} for a finding without that detail); empty when they asked through
     * more than one.
     */
    public static Optional<String> of(Finding f) {
        String requested = f.evidence().details().get(REQUESTED_MODELS);
        if (requested == null || requested.isBlank() || f.model() == null) {
            return Optional.of("");
        }
        return common(Arrays.asList(requested.split(",")), f.model());
    }
}
