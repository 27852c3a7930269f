package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/**
 * Anthropic bills each of its own client tools at a fixed number of input tokens, whatever its short JSON (tool use
 * pricing table: computer use 735, bash 245, text editor 700); a custom tool and OpenAI's computer tool are billed as
 * their JSON only.
 */
class DefinedToolTokensTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void of_anthropicDefinedTools_countTheirFixedDefinitionTokens() throws Exception {
        var agent = JSON.readTree("[{\"type\":\"computer_20250124\",\"name\":\"computer\",\"display_width_px\":1024,"
                + "\"display_height_px\":768},{\"type\":\"bash_20250124\",\"name\":\"bash\"},"
                + "{\"type\":\"text_editor_20250728\",\"name\":\"str_replace_based_edit_tool\"}]");
        var others = JSON.readTree("[{\"name\":\"label\",\"input_schema\":{\"type\":\"object\"}},"
                + "{\"type\":\"computer_use_preview\",\"display_width\":1024},{\"type\":\"web_search_20250305\"}]");

        assertThat(DefinedToolTokens.of(agent)).isEqualTo(735 + 245 + 700);
        assertThat(DefinedToolTokens.of(others)).isZero();
    }
}
