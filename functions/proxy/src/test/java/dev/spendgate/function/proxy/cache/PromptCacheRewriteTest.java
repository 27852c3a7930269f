package dev.spendgate.function.proxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.cache.PromptCachePlanner.Ttl;
import org.junit.jupiter.api.Test;

class PromptCacheRewriteTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode body(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }

    @Test
    void withBreakpoint_anthropicStringSystem_becomesAMarkedBlock() throws Exception {
        ObjectNode b = body("{\"model\":\"claude-sonnet-4-5\",\"system\":\"long prompt\",\"messages\":[]}");

        ObjectNode marked =
                PromptCacheRewrite.withBreakpoint("messages", b, Ttl.ONE_HOUR).orElseThrow();

        assertThat(marked.get("system").toString())
                .isEqualTo("[{\"type\":\"text\",\"text\":\"long prompt\","
                        + "\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}]");
        assertThat(b.get("system").isTextual()).isTrue(); // the original is untouched
    }

    @Test
    void withBreakpoint_anthropicToolsOnly_marksTheLastTool() throws Exception {
        ObjectNode b = body("{\"model\":\"m\",\"tools\":[{\"name\":\"a\"},{\"name\":\"b\"}],\"messages\":[]}");

        ObjectNode marked = PromptCacheRewrite.withBreakpoint("messages", b, Ttl.FIVE_MINUTES)
                .orElseThrow();

        assertThat(marked.at("/tools/1/cache_control").toString()).isEqualTo("{\"type\":\"ephemeral\"}");
        assertThat(marked.at("/tools/0/cache_control").isMissingNode()).isTrue();
    }

    @Test
    void withBreakpoint_clientAlreadyMarks_isLeftAlone() throws Exception {
        ObjectNode b = body("{\"model\":\"m\",\"system\":[{\"type\":\"text\",\"text\":\"x\","
                + "\"cache_control\":{\"type\":\"ephemeral\"}}],\"messages\":[]}");

        assertThat(PromptCacheRewrite.withBreakpoint("messages", b, Ttl.FIVE_MINUTES))
                .isEmpty();
    }

    @Test
    void withBreakpoint_bedrockConverse_appendsACachePointAfterTheSystem() throws Exception {
        ObjectNode b = body("{\"system\":[{\"text\":\"long prompt\"}],\"messages\":[]}");

        ObjectNode marked = PromptCacheRewrite.withBreakpoint("bedrock.converse", b, Ttl.ONE_HOUR)
                .orElseThrow();

        assertThat(marked.get("system").toString())
                .isEqualTo("[{\"text\":\"long prompt\"},{\"cachePoint\":{\"type\":\"default\",\"ttl\":\"1h\"}}]");
    }

    @Test
    void withBreakpoint_bedrockInvokeOfClaude_marksItAsAnthropicMessages() throws Exception {
        // InvokeModel of Claude carries Anthropic's Messages body: a prompt caching rule must change what is billed
        ObjectNode b = body("{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":200,"
                + "\"system\":\"long prompt\",\"messages\":[]}");

        assertThat(PromptCacheRewrite.prefix("bedrock.invoke", "anthropic.claude-sonnet-4-5-20250929-v1:0", b))
                .isPresent();
        ObjectNode marked = PromptCacheRewrite.withBreakpoint("bedrock.invoke", b, Ttl.FIVE_MINUTES)
                .orElseThrow();

        assertThat(marked.get("system").toString())
                .isEqualTo("[{\"type\":\"text\",\"text\":\"long prompt\","
                        + "\"cache_control\":{\"type\":\"ephemeral\"}}]");
    }

    @Test
    void withBreakpoint_bedrockInvokeOfAnotherModel_isLeftAlone() throws Exception {
        ObjectNode b = body("{\"inputText\":\"long prompt\",\"textGenerationConfig\":{}}");

        assertThat(PromptCacheRewrite.prefix("bedrock.invoke", "amazon.titan-text-express-v1", b))
                .isEmpty();
        assertThat(PromptCacheRewrite.withBreakpoint("bedrock.invoke", b, Ttl.FIVE_MINUTES))
                .isEmpty();
    }

    @Test
    void prefix_sameSystemDifferentQuestion_isTheSamePrefix() throws Exception {
        ObjectNode a = body("{\"system\":\"S\",\"messages\":[{\"role\":\"user\",\"content\":\"q1\"}]}");
        ObjectNode b = body("{\"system\":\"S\",\"messages\":[{\"role\":\"user\",\"content\":\"q2\"}]}");
        ObjectNode c = body("{\"system\":\"S2\",\"messages\":[{\"role\":\"user\",\"content\":\"q1\"}]}");

        assertThat(PromptCacheRewrite.prefix("messages", "m", a))
                .isEqualTo(PromptCacheRewrite.prefix("messages", "m", b));
        assertThat(PromptCacheRewrite.prefix("messages", "m", a))
                .isNotEqualTo(PromptCacheRewrite.prefix("messages", "m", c));
        assertThat(PromptCacheRewrite.prefix("messages", "m2", a))
                .isNotEqualTo(PromptCacheRewrite.prefix("messages", "m", a));
        assertThat(PromptCacheRewrite.prefix("chat.completions", "m", a)).isEmpty();
    }
}
