package dev.spendgate.function.proxy.usage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.function.proxy.upstream.Endpoint;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PromptTextTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String[] ROLES = {"system", "developer", "user", "assistant", "tool", ""};
    private static final String[] TEXTS = {"", "hi", "Grüße, Zoë", "日本語", "\\ud83d\\ude00", "a\\nb", "x".repeat(700)};

    @Test
    void of_chatBodyWithBothOutputCaps_reservesTheLarger() throws Exception {
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        JsonNode both =
                MAPPER.readTree("{\"model\":\"m\",\"max_tokens\":50000,\"max_completion_tokens\":10," + messages + "}");
        JsonNode reversed =
                MAPPER.readTree("{\"model\":\"m\",\"max_tokens\":10,\"max_completion_tokens\":50000," + messages + "}");

        assertThat(PromptText.of(Endpoint.CHAT_COMPLETIONS, both).maxOutputTokens())
                .isEqualTo(50_000L);
        assertThat(PromptText.of(Endpoint.CHAT_COMPLETIONS, reversed).maxOutputTokens())
                .isEqualTo(50_000L);
    }

    @Test
    void of_randomChatBodies_givesTheTextsOfTheStringBuilderVersion() throws Exception {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 3_000; i++) {
            StringBuilder json = new StringBuilder("{\"model\":\"m\",");
            if (random.nextBoolean()) {
                json.append("\"max_tokens\":").append(random.nextInt(5_000)).append(',');
            }
            json.append("\"messages\":[");
            int messages = random.nextInt(7);
            for (int m = 0; m < messages; m++) {
                json.append(m == 0 ? "" : ",");
                if (random.nextInt(20) == 0) {
                    json.append("null");
                    continue;
                }
                json.append("{\"role\":\"")
                        .append(ROLES[random.nextInt(ROLES.length)])
                        .append('"');
                switch (random.nextInt(5)) {
                    case 0 -> json.append(",\"content\":null");
                    case 1 ->
                        json.append(",\"content\":[{\"type\":\"text\",\"text\":\"")
                                .append(TEXTS[random.nextInt(TEXTS.length)])
                                .append("\"},\"")
                                .append(TEXTS[random.nextInt(TEXTS.length)])
                                .append("\"]");
                    case 2 -> {}
                    default ->
                        json.append(",\"content\":\"")
                                .append(TEXTS[random.nextInt(TEXTS.length)])
                                .append("\"");
                }
                json.append('}');
            }
            json.append("]}");
            JsonNode body = MAPPER.readTree(json.toString());

            assertThat(PromptText.of(Endpoint.CHAT_COMPLETIONS, body))
                    .as("body %s", json)
                    .isEqualTo(builderVersion(body));
        }
    }

    /** {@code PromptText.chat} before its texts were joined at their exact size: the oracle. */
    private static PromptText builderVersion(JsonNode body) {
        JsonNode messages = body.path("messages");
        StringBuilder system = new StringBuilder();
        StringBuilder all = new StringBuilder();
        String prefix = "";
        int count = 0;
        for (JsonNode m : messages) {
            if (count == messages.size() - 1) {
                prefix = all.toString();
            }
            String role = m.path("role").asText();
            String text = PromptText.content(m.get("content"));
            if (role.equals("system") || role.equals("developer")) {
                system.append(text).append('\n');
            }
            all.append(role).append(": ").append(text).append('\n');
            count++;
        }
        JsonNode cap =
                body.get("max_completion_tokens") != null ? body.get("max_completion_tokens") : body.get("max_tokens");
        return new PromptText(
                system.toString(),
                prefix,
                all.toString(),
                count,
                cap != null && cap.canConvertToLong() ? cap.asLong() : null);
    }
}
