package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README "More OpenAI-compatible providers": the providers file's mistakes stop the start, naming them. */
class ProvidersFileTest {
    @TempDir
    Path dir;

    private ProxyConfig read(String providers) throws Exception {
        Path file = dir.resolve("providers.json");
        Files.writeString(file, "[" + providers + "]");
        return ProxyConfig.fromEnv(Map.of("SPENDGATE_PROVIDERS_FILE", file.toString()));
    }

    @Test
    void twoNamesWithOneKeyName_areRefused() {
        // both read VLLM_EU_API_KEY from the secret
        assertThatThrownBy(() -> read("""
                        {"name": "vllm-eu", "format": "openai", "base_url": "http://a:8000/v1", "models": ["a/*"]},
                        {"name": "vllm_eu", "format": "openai", "base_url": "http://b:8000/v1", "models": ["b/*"]}
                        """))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vllm-eu")
                .hasMessageContaining("vllm_eu")
                .hasMessageContaining("VLLM_EU_API_KEY");
    }

    @Test
    void aBuiltInProvidersName_isRefused() {
        // a second "openai" would read OPENAI_API_KEY and be recorded as the built-in one
        assertThatThrownBy(() -> read("""
                        {"name": "OpenAI", "format": "openai", "base_url": "http://a:8000/v1", "models": ["a/*"]}
                        """))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'OpenAI'")
                .hasMessageContaining("built-in");
    }

    @Test
    void distinctNames_areTaken() throws Exception {
        ProxyConfig config = read("""
                {"name": "groq", "format": "openai", "base_url": "https://api.groq.com/openai/v1",
                 "models": ["llama-3.3-*"]},
                {"name": "bedrock-eu", "format": "bedrock", "region": "eu-west-1", "models": ["eu.*"]}
                """);
        assertThat(config.providers())
                .extracting(p -> p.name())
                .containsExactly("groq", "bedrock-eu", "openai", "anthropic", "bedrock");
    }

    @Test
    void providerWithoutModels_isRefusedNamingTheField() {
        assertThatThrownBy(() -> read("""
                        {"name": "groq", "format": "openai", "base_url": "https://api.groq.com/openai/v1"}
                        """))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("groq")
                .hasMessageContaining("models");
    }

    @Test
    void modelsHoldingANonString_isRefused() {
        assertThatThrownBy(() -> read("""
                        {"name": "groq", "format": "openai", "base_url": "https://api.groq.com/openai/v1",
                         "models": [{"glob": "llama-*"}]}
                        """))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("models");
    }
}
