package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import dev.spendgate.function.proxy.upstream.Provider;
import dev.spendgate.function.proxy.upstream.ProviderApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code stream_usage_option} in the providers file: whether a streamed chat completion is forwarded asking for its
 * usage. On by default; off by default for Mistral, OpenRouter and Azure API versions that refuse
 * {@code stream_options}.
 */
class StreamUsageOptionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ProviderApi CHAT =
            ProviderApi.forPath("/v1/chat/completions").orElseThrow();

    @TempDir
    Path dir;

    private Map<String, Provider> providers(String entries) throws Exception {
        Path file = dir.resolve("providers.json");
        Files.writeString(file, "[" + entries + "]");
        Map<String, Provider> byName = new java.util.LinkedHashMap<>();
        ProxyConfig.fromEnv(Map.of("SPENDGATE_PROVIDERS_FILE", file.toString()))
                .providers()
                .forEach(p -> byName.putIfAbsent(p.name(), p));
        return byName;
    }

    private static String forwarded(Provider provider, String body) throws Exception {
        ObjectNode request = (ObjectNode) JSON.readTree(body);
        boolean add = CHAT.addsStreamUsage(request, true, provider);
        return JSON.writeValueAsString(CHAT.rewrite(request, "m", false, true, add, null, "r1"));
    }

    @Test
    void providersFile_defaults_askEveryProviderButMistralAndOldAzureVersions() throws Exception {
        Map<String, Provider> p = providers("""
                {"name": "mistral", "format": "openai", "base_url": "http://127.0.0.1:9/v1", "models": ["mistral-*"]},
                {"name": "eu-llm", "format": "openai", "base_url": "https://api.mistral.ai/v1", "models": ["x"]},
                {"name": "groq", "format": "openai", "base_url": "https://api.groq.com/openai/v1", "models": ["l"]},
                {"name": "azure-old", "format": "openai", "base_url": "https://a.openai.azure.com",
                 "azure_api_version": "2024-06-01", "models": ["a"]},
                {"name": "azure", "format": "openai", "base_url": "https://a.openai.azure.com",
                 "azure_api_version": "2024-10-21", "models": ["b"]},
                {"name": "azure-preview", "format": "openai", "base_url": "https://a.openai.azure.com",
                 "azure_api_version": "2025-04-01-preview", "models": ["c"]}
                """);

        assertThat(p.get("mistral").streamUsageOption()).isFalse();
        assertThat(p.get("eu-llm").streamUsageOption()).isFalse();
        assertThat(p.get("groq").streamUsageOption()).isTrue();
        assertThat(p.get("azure-old").streamUsageOption()).isFalse();
        assertThat(p.get("azure").streamUsageOption()).isTrue();
        assertThat(p.get("azure-preview").streamUsageOption()).isTrue();
        assertThat(p.get("openai").streamUsageOption()).isTrue();
    }

    /** OpenRouter sends its usage chunk on every stream (include_usage "has no effect"): the client keeps it. */
    @Test
    void providersFile_defaults_doNotAskOpenRouterByNameOrHost() throws Exception {
        Map<String, Provider> p = providers("""
                {"name": "openrouter", "format": "openai", "base_url": "http://127.0.0.1:9/api/v1", "models": ["o/*"]},
                {"name": "router", "format": "openai", "base_url": "https://openrouter.ai/api/v1", "models": ["r/*"]},
                {"name": "or-eu", "format": "openai", "base_url": "https://eu.openrouter.ai/api/v1", "models": ["e"]},
                {"name": "notopenrouter", "format": "openai", "base_url": "https://openrouter.ai.example.com/v1",
                 "models": ["n"]}
                """);

        assertThat(p.get("openrouter").streamUsageOption()).isFalse();
        assertThat(p.get("router").streamUsageOption()).isFalse();
        assertThat(p.get("or-eu").streamUsageOption()).isFalse();
        assertThat(p.get("notopenrouter").streamUsageOption()).isTrue();
    }

    @Test
    void providersFile_explicitSetting_winsOverTheDefault() throws Exception {
        Map<String, Provider> p = providers("""
                {"name": "mistral", "format": "openai", "base_url": "https://api.mistral.ai/v1", "models": ["m"],
                 "stream_usage_option": true},
                {"name": "vllm", "format": "openai", "base_url": "http://vllm:8000/v1", "models": ["v"],
                 "stream_usage_option": false}
                """);

        assertThat(p.get("mistral").streamUsageOption()).isTrue();
        assertThat(p.get("vllm").streamUsageOption()).isFalse();
    }

    @Test
    void providersFile_settingNotABoolean_isRefusedNamingProviderAndField() {
        assertThatThrownBy(() -> providers("""
                        {"name": "vllm", "format": "openai", "base_url": "http://vllm:8000/v1", "models": ["v"],
                         "stream_usage_option": "no"}
                        """))
                .hasMessageContaining("provider 'vllm'")
                .hasMessageContaining("stream_usage_option must be true or false");
    }

    @Test
    void rewrite_streamedChat_asksOnlyProvidersWithTheOptionAndKeepsTheClientsOtherStreamOptions() throws Exception {
        Map<String, Provider> p = providers("""
                {"name": "mistral", "format": "openai", "base_url": "https://api.mistral.ai/v1", "models": ["m"]}
                """);
        String body = "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_obfuscation\":false}}";

        assertThat(forwarded(p.get("mistral"), body)).isEqualTo(body);
        assertThat(JSON.readTree(forwarded(p.get("openai"), body)).path("stream_options"))
                .hasToString("{\"include_obfuscation\":false,\"include_usage\":true}");
        assertThat(CHAT.addsStreamUsage(
                        (ObjectNode) JSON.readTree("{\"stream_options\":{\"include_usage\":true}}"),
                        true,
                        p.get("openai")))
                .as("the client asked itself: nothing to add")
                .isFalse();
    }

    @Test
    void provider_builtIn_asksForStreamUsage() {
        Provider openai =
                new Provider("openai", ApiFormat.OPENAI, "https://api.openai.com/v1", "k", List.of("*"), "openai");
        assertThat(openai.streamUsageOption()).isTrue();
        assertThat(openai.withApiKey("k2").streamUsageOption()).isTrue();
    }
}
