package dev.spendgate.function.proxy;

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
