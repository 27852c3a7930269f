package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.http.Headers;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateTest {
    @TempDir
    Path dir;

    private final Validate validate = new Validate(Calls.router("http://127.0.0.1:9"), 256);

    private CallContext authenticated(String path, String body) {
        return new Authenticate(Calls.keys(dir))
                .apply(Calls.post(path, body, "Authorization", "Bearer " + Calls.SECRET))
                .context();
    }

    @Test
    void apply_validChat_setsModelStreamPromptAndProvider() {
        Step step = validate.apply(authenticated(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));

        assertThat(step.refused()).isFalse();
        CallContext ctx = step.context();
        assertThat(ctx.modelRequested()).isEqualTo("gpt-4o-mini");
        assertThat(ctx.stream()).isTrue();
        assertThat(ctx.provider().name()).isEqualTo("openai");
        assertThat(ctx.prompt().full()).contains("hi");
    }

    @Test
    void apply_textPlain_refuses415() {
        CallContext ctx = Calls.request(
                "POST",
                "/v1/chat/completions",
                new Headers().set("Content-Type", "text/plain"),
                "{\"model\":\"gpt-4o-mini\"}");

        assertThat(validate.apply(ctx).refusal().status()).isEqualTo(415);
    }

    @Test
    void apply_bodyOverTheLimit_refuses413NamingTheLimit() {
        Step step = validate.apply(authenticated("/v1/chat/completions", "{\"model\":\"" + "x".repeat(300) + "\"}"));

        assertThat(step.refusal().status()).isEqualTo(413);
        assertThat(step.refusal().message()).contains("256 bytes");
    }

    @Test
    void apply_notJson_refuses400OnBody() {
        Step step = validate.apply(authenticated("/v1/chat/completions", "{not json"));

        assertThat(step.refusal().status()).isEqualTo(400);
        assertThat(step.refusal().param()).isEqualTo("body");
    }

    @Test
    void apply_streamNotBoolean_refuses400OnStream() {
        Step step = validate.apply(authenticated("/v1/chat/completions", "{\"model\":\"gpt-4o\",\"stream\":\"yes\"}"));

        assertThat(step.refusal().param()).isEqualTo("stream");
    }

    @Test
    void apply_missingModel_refuses400OnModel() {
        Step step = validate.apply(authenticated("/v1/messages", "{\"max_tokens\":5}"));

        assertThat(step.refusal().param()).isEqualTo("model");
        assertThat(step.context().modelRequested()).isNull();
    }

    @Test
    void apply_providerWithoutKey_refuses503RecordedAsNotConfiguredWithTheProvider() {
        Step step = validate.apply(authenticated("/v1/messages", "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":5}"));

        assertThat(step.refusal().status()).isEqualTo(503);
        assertThat(step.refusal().errorType()).isEqualTo("provider_not_configured");
        assertThat(step.context().provider().name()).isEqualTo("anthropic");
        assertThat(step.context().modelRequested()).isEqualTo("claude-haiku-4-5");
    }

    @Test
    void apply_bedrockWithoutProvider_refuses400KeepingTheModelFromThePath() {
        Step step = validate.apply(authenticated(
                "/model/anthropic.claude-3-haiku-20240307-v1:0/converse",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}"));

        assertThat(step.refusal().status()).isEqualTo(400);
        assertThat(step.refusal().message()).contains("the Bedrock runtime");
        assertThat(step.context().modelRequested()).isEqualTo("anthropic.claude-3-haiku-20240307-v1:0");
    }
}
