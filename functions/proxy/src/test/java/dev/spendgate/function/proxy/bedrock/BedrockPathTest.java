package dev.spendgate.function.proxy.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BedrockPathTest {

    @Test
    void parse_encodedAndDecodedModelIds_sameModel() {
        BedrockPath encoded = BedrockPath.parse("/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse-stream")
                .orElseThrow();
        BedrockPath decoded = BedrockPath.parse("/model/us.anthropic.claude-sonnet-4-20250514-v1:0/converse-stream")
                .orElseThrow();

        assertThat(encoded).isEqualTo(decoded);
        assertThat(encoded.operation()).isEqualTo(BedrockOperation.CONVERSE_STREAM);
        assertThat(encoded.modelId()).isEqualTo("us.anthropic.claude-sonnet-4-20250514-v1:0");
    }

    @Test
    void parse_arnWithSlash_decodedWhole() {
        String arn = "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/abc123";

        assertThat(BedrockPath.parse("/model/" + arn + "/invoke-with-response-stream"))
                .hasValue(new BedrockPath(BedrockOperation.INVOKE_STREAM, arn));
        assertThat(BedrockPath.parse("/model/" + BedrockPath.encode(arn) + "/invoke"))
                .hasValue(new BedrockPath(BedrockOperation.INVOKE, arn));
    }

    @Test
    void parse_unknownOperationOrBrokenEncoding_empty() {
        assertThat(BedrockPath.parse("/model/anthropic.claude-3-haiku-20240307-v1:0/count-tokens"))
                .isEmpty();
        assertThat(BedrockPath.parse("/model//converse")).isEmpty();
        assertThat(BedrockPath.parse("/model/bad%G1/converse")).isEmpty();
        assertThat(BedrockPath.parse("/v1/chat/completions")).isEmpty();
    }

    @Test
    void upstreamUri_encodesAsTheAwsSdkDoes() {
        assertThat(BedrockPath.upstreamUri(
                                "https://bedrock-runtime.us-east-1.amazonaws.com",
                                "global.anthropic.claude-haiku-4-5-20251001-v1:0",
                                BedrockOperation.CONVERSE)
                        .toString())
                .isEqualTo("https://bedrock-runtime.us-east-1.amazonaws.com/model/"
                        + "global.anthropic.claude-haiku-4-5-20251001-v1%3A0/converse");
    }
}
