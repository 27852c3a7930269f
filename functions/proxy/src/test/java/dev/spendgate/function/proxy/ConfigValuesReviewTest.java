package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Configuration": the gateway's settings come from {@code SPENDGATE_*} variables. A value that cannot mean
 * what the table says must stop the start with a message naming the variable, not leave budgets or alerts quietly
 * broken (project standard: "Bad input: clear ... naming the field").
 */
class ConfigValuesReviewTest {

    @TempDir
    Path dir;

    @Test
    void providerWhoseModelsIsNotAnArray_isRefusedNamingTheField() throws Exception {
        // README: models are "glob patterns of the model names routed here"; a call goes to the first provider whose
        // glob matches, "else to a * provider". Written as a string, the provider serves nothing and every
        // mistral-* call (its prompt included) goes to the built-in OpenAI provider with the OpenAI key.
        Path file = dir.resolve("providers.json");
        Files.writeString(file, """
                [{"name": "mistral", "format": "openai", "base_url": "https://api.mistral.ai/v1",
                  "api_key_env": "MISTRAL_API_KEY", "models": "mistral-*"}]
                """);
        assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("SPENDGATE_PROVIDERS_FILE", file.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("models");
    }

    @Test
    void providerWithAMisspeltField_isRefusedNamingIt() throws Exception {
        // "pricingProvider" for pricing_provider: the Azure calls are then priced as provider "azure", which the
        // catalog
        // does not have: every call unpriced, refused by block and degrade budgets. The admin API refuses a field it
        // does not know for this reason (README: "a misspelling such as alerts_at").
        Path file = dir.resolve("providers.json");
        Files.writeString(file, """
                [{"name": "azure", "format": "openai", "base_url": "https://acme.openai.azure.com",
                  "api_key_env": "AZURE_OPENAI_API_KEY", "azure_api_version": "2024-10-21",
                  "models": ["gpt-4o"], "pricingProvider": "openai"}]
                """);
        assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("SPENDGATE_PROVIDERS_FILE", file.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pricingProvider");
    }

    @Test
    void providerWhosePricingProviderIsNotInTheCatalog_isRefusedAtStart() throws Exception {
        // README: pricing_provider is the "catalog provider whose prices apply"; one the catalog has no model of
        // ("open-ai") prices nothing, so every call is unpriced. Given explicitly, it is a mistake to name at start.
        Path file = dir.resolve("providers.json");
        Files.writeString(file, """
                [{"name": "azure", "format": "openai", "base_url": "https://acme.openai.azure.com",
                  "api_key_env": "AZURE_OPENAI_API_KEY", "azure_api_version": "2024-10-21",
                  "models": ["gpt-4o"], "pricing_provider": "open-ai"}]
                """);
        Path data = Files.createDirectories(dir.resolve("data"));
        RuntimeException refused = null;
        try (GatewayFixture gw = GatewayFixture.embedded(data, Map.of("SPENDGATE_PROVIDERS_FILE", file.toString()))) {
            // started: the mistake went unnoticed
        } catch (RuntimeException e) {
            refused = e;
        }
        org.assertj.core.api.Assertions.assertThat(refused)
                .as("the gateway refused to start")
                .isNotNull();
        org.assertj.core.api.Assertions.assertThat(refused).hasMessageContaining("open-ai");
    }

    @Test
    void twoProvidersWithOneName_areRefused() throws Exception {
        // README: name is "recorded as provider; in AWS the key is read from the Secrets Manager secret as
        // {NAME}_API_KEY": two providers named alike get one key and records no one can tell apart.
        Path file = dir.resolve("providers.json");
        Files.writeString(file, """
                [{"name": "groq", "format": "openai", "base_url": "https://api.groq.com/openai/v1",
                  "api_key_env": "GROQ_API_KEY", "models": ["llama-3.3-*"]},
                 {"name": "groq", "format": "openai", "base_url": "http://vllm.internal:8000/v1",
                  "api_key_env": "VLLM_API_KEY", "models": ["meta-llama/*"]}]
                """);
        assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("SPENDGATE_PROVIDERS_FILE", file.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("groq");
    }

    @Test
    void zeroDefaultMaxOutputTokens_isRefusedNamingTheVariable() {
        // "output bound of the budget estimate when a request sets none": 0 reserves calls without max_tokens on
        // models outside the known list (Mistral, Groq, vLLM, Ollama...) at their input alone, so a block budget
        // admits output it never reserved (a call's output can cost many times its input).
        assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("SPENDGATE_DEFAULT_MAX_OUTPUT_TOKENS", "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_DEFAULT_MAX_OUTPUT_TOKENS");
    }

    @Test
    void reserveUnaskedTier_onlyStandardOrDearest_elseRefusedNamingTheVariable() {
        assertThat(ProxyConfig.fromEnv(Map.of()).budgets().reserveUnaskedAtDearest())
                .isFalse();
        assertThat(ProxyConfig.fromEnv(Map.of("SPENDGATE_RESERVE_UNASKED_TIER", " Dearest "))
                        .budgets()
                        .reserveUnaskedAtDearest())
                .isTrue();
        assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("SPENDGATE_RESERVE_UNASKED_TIER", "priority")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_RESERVE_UNASKED_TIER");
    }

    @Test
    void zeroReservationTtl_isRefusedNamingTheVariable() {
        // 0: every call still running at the next sweep (about once a minute) is charged at its worst case and gets
        // an estimated record beside its real one; README: the TTL must outlast the longest call (900 = API
        // Gateway's longest).
        assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("SPENDGATE_RESERVATION_TTL_SECONDS", "0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_RESERVATION_TTL_SECONDS");
    }

    @Test
    void hugeReservationTtl_isRefusedNamingTheVariable() {
        // accepted at start; then every reservation's expiry (now + ttl) overflows Instant and throws on the call path
        assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("SPENDGATE_RESERVATION_TTL_SECONDS", "99999999999999999")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_RESERVATION_TTL_SECONDS");
    }

    @Test
    void flushMaxRecordsBeyondIntRange_isRefusedNotWrapped() {
        // 4,294,967,796 is accepted by the positive-long check, then cast to int: it becomes 500.
        assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("SPENDGATE_FLUSH_MAX_RECORDS", "4294967796")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_FLUSH_MAX_RECORDS");
    }

    @Test
    void webhookUrlWithoutScheme_isRefusedAtStartNamingTheVariable() {
        // A Slack URL pasted without its scheme: URI.create takes it as a relative URI, the gateway starts, and each
        // alert fails ("URI is not absolute") ten times over 2.5 minutes before it is logged as lost.
        Map<String, String> env = Map.of("SPENDGATE_ALERT_WEBHOOK_URL", "hooks.slack.com/services/T000/B000/XXXXXXXX");
        assertThatThrownBy(() -> GatewayRuntime.alertSink(ProxyConfig.fromEnv(env)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_ALERT_WEBHOOK_URL");
    }
}
