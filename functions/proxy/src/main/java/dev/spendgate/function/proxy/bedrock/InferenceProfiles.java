package dev.spendgate.function.proxy.bedrock;

import java.util.regex.Pattern;

/**
 * Bedrock application inference profiles: a model id that is a profile ARN is kept on the usage record
 * ({@code inference_profile_arn}) and priced through the alias that names its foundation model in the pricing
 * overrides; without one it is unpriced, never priced at a default.
 */
public final class InferenceProfiles {
    private static final Pattern APPLICATION_PROFILE = Pattern.compile(
            "^arn:aws(-[a-z]+)*:bedrock:[a-z0-9-]+:\\d{12}:application-inference-profile/[A-Za-z0-9]+$");

    private InferenceProfiles() {}

    /** {@code modelId} when it is an application inference profile ARN, else null. */
    public static String applicationProfileArn(String modelId) {
        return modelId != null && APPLICATION_PROFILE.matcher(modelId).matches() ? modelId : null;
    }
}
