package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RewriteTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private CallContext admitted(String body) {
        return Calls.validChat(dir, body).with(b -> b.modelForwarded = b.modelRequested);
    }

    @Test
    void apply_nothingToChange_forwardsTheClientsOwnBytes() {
        CallContext ctx = admitted("{\"model\":\"gpt-4o-mini\",\"temperature\":0.30000000000000004}");

        Step step = new Rewrite().apply(ctx);

        assertThat(step.context().outgoing()).isSameAs(ctx.request().body());
    }

    @Test
    void apply_streamedChatWithoutUsage_asksForUsageAndKeepsTheRest() throws Exception {
        CallContext ctx = admitted("{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"x\":1}}");

        JsonNode out = JSON.readTree(new Rewrite().apply(ctx).context().outgoing());

        assertThat(out.path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(out.path("stream_options").path("x").asInt()).isEqualTo(1);
        assertThat(ctx.body().path("stream_options").has("include_usage")).isFalse();
    }

    @Test
    void apply_streamedChatWithoutUsage_hidesTheUsageChunkItAsksFor() {
        CallContext ctx = admitted("{\"model\":\"gpt-4o-mini\",\"stream\":true}");

        assertThat(new Rewrite().apply(ctx).context().hidesUsageChunk()).isTrue();
    }

    @Test
    void apply_clientAskedForUsage_relaysItsUsageChunkAndForwardsItsOwnBytes() {
        CallContext ctx =
                admitted("{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");

        Step step = new Rewrite().apply(ctx);

        assertThat(step.context().hidesUsageChunk()).isFalse();
        assertThat(step.context().outgoing()).isSameAs(ctx.request().body());
    }

    @Test
    void apply_degraded_forwardsTheCheaperModel() throws Exception {
        CallContext ctx = admitted("{\"model\":\"gpt-4o\",\"max_tokens\":5}").with(b -> {
            b.degradedFrom = "gpt-4o";
            b.modelForwarded = "gpt-4o-mini";
        });

        JsonNode out = JSON.readTree(new Rewrite().apply(ctx).context().outgoing());

        assertThat(out.path("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(out.path("max_tokens").asInt()).isEqualTo(5);
    }
}
