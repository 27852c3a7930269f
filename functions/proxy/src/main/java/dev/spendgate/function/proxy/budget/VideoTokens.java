package dev.spendgate.function.proxy.budget;

import dev.spendgate.domain.pricing.ContextWindows;
import dev.spendgate.domain.pricing.ImageTokens;

/**
 * The most input tokens one video bills on a model, the same whether it is sent inline or by reference: Amazon Nova
 * bills a video the same "regardless of whether the video is passed as base64 ... or via an Amazon S3 location"
 * (docs.aws.amazon.com/nova/latest/userguide/modalities-video.html), and neither the bytes nor the location say how long
 * it runs. Nova samples at most {@value #MAX_FRAMES} frames of a video (1 frame a second up to 16 minutes, then fewer a
 * second), each an image of 672 x 672 px: at most {@value #MAX_FRAMES} images at the model's image bound
 * ({@link ImageTokens}), and never more than the model's context window ({@link ContextWindows}), which is what binds
 * on every model that has one (Nova Pro and Lite 300,000 tokens).
 */
final class VideoTokens {
    static final long MAX_FRAMES = 960;

    private VideoTokens() {}

    /** The most one video bills on {@code model}. */
    static long max(String model) {
        long frames = MAX_FRAMES * ImageTokens.maxTokens(model);
        return Math.min(frames, ContextWindows.tokens(model).orElse(Long.MAX_VALUE));
    }
}
