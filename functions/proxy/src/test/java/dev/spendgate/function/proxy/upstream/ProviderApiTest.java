package dev.spendgate.function.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.function.proxy.bedrock.BedrockApi;
import dev.spendgate.function.proxy.http.Headers;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProviderApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ProviderApi api(String path) {
        return ProviderApi.forPath(path).orElseThrow();
    }

    private static ObjectNode body(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    @Test
    void forPath_eachServedPath_namesItsApiAndRecordName() {
        assertThat(api("/v1/chat/completions").format()).isEqualTo(ApiFormat.OPENAI);
        assertThat(api("/v1/chat/completions").recordName()).isEqualTo("chat.completions");
        assertThat(api("/embeddings").recordName()).isEqualTo("embeddings");
        assertThat(api("/v1/messages").format()).isEqualTo(ApiFormat.ANTHROPIC);
        assertThat(api("/model/anthropic.claude-3-haiku/converse-stream")).isInstanceOf(BedrockApi.class);
        assertThat(api("/model/anthropic.claude-3-haiku/converse-stream").recordName())
                .isEqualTo("bedrock.converse");
    }

    @Test
    void forPath_unknownPaths_areEmptyWithAFormatForTheirRefusal() {
        assertThat(ProviderApi.forPath("/v1/images")).isEmpty();
        assertThat(ProviderApi.forPath("/model/x/unknown-op")).isEmpty();
        assertThat(ProviderApi.formatOf("/model/x/unknown-op")).isEqualTo(ApiFormat.BEDROCK);
        assertThat(ProviderApi.formatOf("/v2/messages")).isEqualTo(ApiFormat.ANTHROPIC);
        assertThat(ProviderApi.formatOf("/v1/images")).isEqualTo(ApiFormat.OPENAI);
    }

    @Test
    void readModel_bedrock_takesTheModelFromThePathAndStreamFromTheOperation() throws Exception {
        ProviderApi.ModelRequest model = api("/model/anthropic.claude-3-haiku/converse-stream")
                .readModel(body("{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}"));

        assertThat(model.valid()).isTrue();
        assertThat(model.model()).isEqualTo("anthropic.claude-3-haiku");
        assertThat(model.stream()).isTrue();
    }

    /** Azure names the deployment in the path of chat completions, in the body's model for the Responses API. */
    @Test
    void modelSent_azure_isTheDeploymentOnlyWhereThePathHasNone() {
        Provider azure = new Provider(
                "azure",
                ApiFormat.OPENAI,
                "https://acme.openai.azure.com",
                "k",
                List.of("gpt-4o"),
                "openai",
                UpstreamAuth.API_KEY,
                new Provider.AzureDeployments("2025-04-01-preview", java.util.Map.of("gpt-4o", "prod-gpt4o")),
                null);
        Provider openAi =
                new Provider("openai", ApiFormat.OPENAI, "https://api.openai.com/v1", "k", List.of("*"), null);

        assertThat(api("/v1/responses").modelSent(azure, "gpt-4o")).isEqualTo("prod-gpt4o");
        assertThat(api("/v1/responses").modelSent(azure, "gpt-4o-mini")).isEqualTo("gpt-4o-mini");
        assertThat(api("/v1/chat/completions").modelSent(azure, "gpt-4o")).isEqualTo("gpt-4o");
        assertThat(api("/v1/responses").modelSent(openAi, "gpt-4o")).isEqualTo("gpt-4o");
    }

    @Test
    void forwardsHeader_openAi_dropsCredentialsAndSpendgateHeaders() {
        ProviderApi openAi = api("/v1/chat/completions");

        assertThat(openAi.forwardsHeader("openai-organization")).isTrue();
        assertThat(openAi.forwardsHeader("authorization")).isFalse();
        assertThat(openAi.forwardsHeader("x-cost-team")).isFalse();
        assertThat(openAi.forwardsHeader("x-spendgate-anything")).isFalse();
        assertThat(openAi.forwardsHeader("accept-encoding")).isFalse();
    }

    @Test
    void forwardsHeader_bedrock_passesOnlyContentTypeAcceptAndBedrockHeaders() {
        ProviderApi bedrock = api("/model/m/invoke");

        assertThat(bedrock.forwardsHeader("content-type")).isTrue();
        assertThat(bedrock.forwardsHeader("x-amzn-bedrock-guardrailidentifier")).isTrue();
        assertThat(bedrock.forwardsHeader("user-agent")).isFalse();
        assertThat(bedrock.forwardsHeader("x-amz-date")).isFalse();
    }

    @Test
    void addRequiredHeaders_anthropic_addsAVersionOnlyWhenMissing() {
        Headers none = new Headers();
        api("/v1/messages").addRequiredHeaders(none);
        Headers own = new Headers().set("anthropic-version", "2024-01-01");
        api("/v1/messages").addRequiredHeaders(own);

        assertThat(none.first("anthropic-version")).isEqualTo("2023-06-01");
        assertThat(own.first("anthropic-version")).isEqualTo("2024-01-01");
    }

    @Test
    void rewrite_converse_addsRequestMetadataWithoutChangingTheClientsBody() throws Exception {
        ObjectNode original = body("{\"messages\":[]}");
        ObjectNode out = api("/model/m/converse")
                .rewrite(
                        original,
                        "m",
                        false,
                        false,
                        false,
                        new Attribution("chatbot", null, null, null, null, null, null),
                        "r1");

        assertThat(out).isNotSameAs(original);
        assertThat(out.has("requestMetadata")).isTrue();
        assertThat(original.has("requestMetadata")).isFalse();
    }

    @Test
    void rewrite_degradedStreamAskingUsage_changesOnlyTheForwardedBodyInPlace() throws Exception {
        String client = "{\"model\":\"gpt-4o\",\"stream_options\":{\"x\":1},\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        ObjectNode original = body(client);
        ObjectNode out = api("/v1/chat/completions").rewrite(original, "gpt-4o-mini", true, true, true, null, "r1");

        assertThat(JSON.writeValueAsString(out))
                .isEqualTo("{\"model\":\"gpt-4o-mini\",\"stream_options\":{\"x\":1,\"include_usage\":true},"
                        + "\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        // the client's body is what the record's fingerprints and the cache key are made of
        assertThat(JSON.writeValueAsString(original)).isEqualTo(client);
    }

    @Test
    void rewrite_streamAskingUsageWithoutOptions_appendsThemAndLeavesTheClientsBody() throws Exception {
        String client = "{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[]}";
        ObjectNode original = body(client);
        ObjectNode out = api("/v1/chat/completions").rewrite(original, "gpt-4o", false, true, true, null, "r1");

        assertThat(JSON.writeValueAsString(out))
                .isEqualTo("{\"model\":\"gpt-4o\",\"stream\":true,\"messages\":[],"
                        + "\"stream_options\":{\"include_usage\":true}}");
        assertThat(JSON.writeValueAsString(original)).isEqualTo(client);
    }

    @Test
    void upstreamUri_bedrockDegraded_putsTheForwardedModelInThePath() {
        Provider bedrock = new Provider(
                "bedrock",
                ApiFormat.BEDROCK,
                "https://bedrock-runtime.us-east-1.amazonaws.com",
                null,
                List.of("*"),
                "bedrock",
                UpstreamAuth.NONE,
                null,
                null);

        assertThat(api("/model/big/converse").upstreamUri(bedrock, "small").toString())
                .isEqualTo("https://bedrock-runtime.us-east-1.amazonaws.com/model/small/converse");
    }
}
