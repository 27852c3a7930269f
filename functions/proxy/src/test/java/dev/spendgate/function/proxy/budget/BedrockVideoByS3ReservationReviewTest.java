package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.bedrock.BedrockOperation;
import dev.spendgate.function.proxy.bedrock.BedrockRequests;
import dev.spendgate.function.proxy.upstream.Endpoint;
import org.junit.jupiter.api.Test;

/**
 * Amazon Nova takes one video per Converse request, inline ({@code source.bytes}, up to 25 MB) or by S3 location
 * ({@code source.s3Location.uri}, up to 1 GB), and bills it the same either way: "There are no differences in the video
 * input token count, regardless of whether the video is passed as base64 ... or via an Amazon S3 location"
 * (docs.aws.amazon.com/nova/latest/userguide/modalities-video.html; up to 960 sampled frames).
 */
class BedrockVideoByS3ReservationReviewTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NOVA_PRO = "amazon.nova-pro-v1:0";
    private final CostEstimator estimator = new CostEstimator(PricingCatalog.bundled(), 4096);

    private long inputTokens(String body) throws Exception {
        JsonNode json = JSON.readTree(body);
        return estimator
                .worstCase(
                        "bedrock",
                        NOVA_PRO,
                        Endpoint.MESSAGES,
                        BedrockRequests.prompt(BedrockOperation.CONVERSE, json),
                        json)
                .inputTokens();
    }

    private static String converse(String source) {
        return "{\"inferenceConfig\":{\"maxTokens\":300},\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"video\":{\"format\":\"mp4\",\"source\":" + source + "}},"
                + "{\"text\":\"Summarise this video.\"}]}]}";
    }

    @Test
    void novaVideoByS3Location_reservesNoLessThanTheSameVideoInline() throws Exception {
        // 18,000 bytes of video inline, a few seconds of clip
        String inline = converse("{\"bytes\":\"" + "AAAAIGZ0eXBpc29t".repeat(1_500) + "\"}");
        // the same clip, or any video up to 1 GB, uploaded to S3 and named by its location
        String byS3 = converse("{\"s3Location\":{\"uri\":\"s3://media-bucket/calls/2026-12-06/recording.mp4\"}}");
        String image = "{\"inferenceConfig\":{\"maxTokens\":300},\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"image\":{\"format\":\"png\",\"source\":{\"s3Location\":{\"uri\":\"s3://media-bucket/a.png\"}}}},"
                + "{\"text\":\"Summarise this video.\"}]}]}";

        long inlineTokens = inputTokens(inline);
        long s3Tokens = inputTokens(byS3);

        // an image by S3 is reserved at the model's image bound, and a video is at least one frame
        assertThat(s3Tokens).isGreaterThanOrEqualTo(inputTokens(image));
        // Nova bills the S3 video as it bills the same bytes inline
        assertThat(s3Tokens).isGreaterThanOrEqualTo(inlineTokens);
    }

    @Test
    void novaVideoInline_reservesTheModelsVideoBoundNotItsBytesAsADocument() throws Exception {
        // 1.5 MB of video inline: counted as a document, one token per 2 bytes, it reserved 750,000 tokens, more than
        // Nova Pro's 300,000-token context window lets any call bill
        String inline = converse("{\"bytes\":\"" + "AAAAIGZ0eXBpc29t".repeat(125_000) + "\"}");
        String byS3 = converse("{\"s3Location\":{\"uri\":\"s3://media-bucket/calls/recording.mp4\"}}");

        assertThat(inputTokens(inline)).isLessThanOrEqualTo(310_000).isEqualTo(inputTokens(byS3));
    }
}
