package dev.spendgate.function.proxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StreamReplayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A cache rule's default {@code max_entry_bytes}. */
    private static final int MAX_ENTRY_BYTES = 256 * 1024;

    private static final String LONG = "Spendgate caches answers. ".repeat(10) + "\uD83D\uDE00 done";

    private static final String OPENAI = """
            {"id":"chatcmpl-1","object":"chat.completion","created":1764774000,"model":"gpt-4o-mini-2024-07-18",
             "choices":[{"index":0,"message":{"role":"assistant","content":"%s","refusal":null,
               "tool_calls":[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\\"q\\":\\"x\\"}"}}]},
               "logprobs":null,"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42},
             "system_fingerprint":"fp_1"}
            """.formatted(LONG);

    private static final String ANTHROPIC = """
            {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
             "content":[{"type":"text","text":"%s"},
                        {"type":"tool_use","id":"toolu_1","name":"lookup","input":{"q":"x","n":2}}],
             "stop_reason":"tool_use","stop_sequence":null,
             "usage":{"input_tokens":12,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":30}}
            """.formatted(LONG);

    private static JsonNode assembled(String endpoint, byte[] sse) throws Exception {
        StreamAssembler a = new StreamAssembler(endpoint, MAX_ENTRY_BYTES);
        for (int i = 0; i < sse.length; i += 7) { // arbitrary read boundaries
            a.feed(sse, i, Math.min(7, sse.length - i));
        }
        return JSON.readTree(a.result().orElseThrow());
    }

    @Test
    void sse_openAiAnswer_reassemblesToTheSameAnswer() throws Exception {
        byte[] sse = StreamReplay.sse("chat.completions", OPENAI.getBytes(StandardCharsets.UTF_8));

        String text = new String(sse, StandardCharsets.UTF_8);
        assertThat(text).startsWith("data: {").endsWith("data: [DONE]\n\n").contains("\"chat.completion.chunk\"");
        assertThat(assembled("chat.completions", sse)).isEqualTo(JSON.readTree(OPENAI));
    }

    @Test
    void assembler_openAiStreamWithLogprobs_keepsTheLogprobsTheCallAskedFor() throws Exception {
        // a streamed call with "logprobs": true (part of the cache key): each chunk carries its tokens' logprobs
        String sse = """
                data: {"id":"chatcmpl-2","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":{"content":[],"refusal":null},"finish_reason":null}]}

                data: {"id":"chatcmpl-2","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Yes"},"logprobs":{"content":[{"token":"Yes","logprob":-0.01,"bytes":[89,101,115],"top_logprobs":[]}],"refusal":null},"finish_reason":null}]}

                data: {"id":"chatcmpl-2","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}

                data: {"id":"chatcmpl-2","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}

                data: [DONE]

                """;

        JsonNode kept = assembled("chat.completions", sse.getBytes(StandardCharsets.UTF_8));

        // the kept answer serves every later call with logprobs: true, streamed or not
        assertThat(kept.path("choices")
                        .path(0)
                        .path("logprobs")
                        .path("content")
                        .path(0)
                        .path("token")
                        .asText())
                .isEqualTo("Yes");
    }

    @Test
    void assembler_azureOpenAiStream_keepsTheAnswersIdAndModel() throws Exception {
        // Azure OpenAI opens every stream with a content-filter chunk that has no id, model or choices
        String sse = """
                data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"}}}]}

                data: {"choices":[{"delta":{"content":"","refusal":null,"role":"assistant"},"finish_reason":null,"index":0,"logprobs":null}],"created":1764900000,"id":"chatcmpl-AZ1","model":"gpt-4o-2024-11-20","object":"chat.completion.chunk","system_fingerprint":"fp_az"}

                data: {"choices":[{"delta":{"content":"Paris"},"finish_reason":null,"index":0,"logprobs":null}],"created":1764900000,"id":"chatcmpl-AZ1","model":"gpt-4o-2024-11-20","object":"chat.completion.chunk","system_fingerprint":"fp_az"}

                data: {"choices":[{"delta":{},"finish_reason":"stop","index":0,"logprobs":null}],"created":1764900000,"id":"chatcmpl-AZ1","model":"gpt-4o-2024-11-20","object":"chat.completion.chunk","system_fingerprint":"fp_az"}

                data: {"choices":[],"created":1764900000,"id":"chatcmpl-AZ1","model":"gpt-4o-2024-11-20","object":"chat.completion.chunk","usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10}}

                data: [DONE]

                """;

        JsonNode kept = assembled("chat.completions", sse.getBytes(StandardCharsets.UTF_8));

        // what every later hit on this request is served
        assertThat(kept.path("choices").path(0).path("message").path("content").asText())
                .isEqualTo("Paris");
        assertThat(kept.path("id").asText()).isEqualTo("chatcmpl-AZ1");
        assertThat(kept.path("model").asText()).isEqualTo("gpt-4o-2024-11-20");
        assertThat(kept.path("created").asLong()).isEqualTo(1764900000L);
    }

    @Test
    void sse_openAiAnswerForAClientThatDidNotAskForUsage_everyChunkHasAChoice() throws Exception {
        String text = new String(
                StreamReplay.replay("chat.completions", OPENAI.getBytes(StandardCharsets.UTF_8), false)
                        .orElseThrow(),
                StandardCharsets.UTF_8);

        assertThat(text).endsWith("data: [DONE]\n\n").doesNotContain("\"usage\"");
        for (String event : text.split("\n\n")) {
            String data = event.substring("data: ".length());
            if (!data.equals("[DONE]")) {
                assertThat(JSON.readTree(data).path("choices")).as(data).isNotEmpty();
            }
        }
    }

    @Test
    void sse_anthropicAnswer_reassemblesToTheSameAnswer() throws Exception {
        byte[] sse = StreamReplay.sse("messages", ANTHROPIC.getBytes(StandardCharsets.UTF_8));

        String text = new String(sse, StandardCharsets.UTF_8);
        assertThat(text)
                .startsWith("event: message_start\n")
                .contains("event: content_block_delta")
                .endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        assertThat(assembled("messages", sse)).isEqualTo(JSON.readTree(ANTHROPIC));
    }

    @Test
    void result_streamCutBeforeItsEnd_isEmpty() {
        byte[] sse = StreamReplay.sse("messages", ANTHROPIC.getBytes(StandardCharsets.UTF_8));
        StreamAssembler a = new StreamAssembler("messages", MAX_ENTRY_BYTES);

        a.feed(sse, 0, sse.length / 2);

        assertThat(a.result()).isEmpty();
    }

    /** A Chat Completions stream of {@code pieces} one-word chunks, about 200 bytes of event a word. */
    private static byte[] wordStream(int pieces) {
        StringBuilder sse = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            sse.append("data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1,")
                    .append("\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_1\",\"choices\":[{\"index\":0,")
                    .append("\"delta\":{\"content\":\"word")
                    .append(i)
                    .append(" \"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        }
        sse.append("data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1,")
                .append("\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},")
                .append("\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
        return sse.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void result_longStreamOfASmallAnswer_isKept() throws Exception {
        // 5,000 words: about 1 MB of chunks, 44 KB of answer, well inside max_entry_bytes
        byte[] sse = wordStream(5_000);
        assertThat(sse.length).isGreaterThan(1_000_000);

        JsonNode kept = assembled("chat.completions", sse);

        String content =
                kept.path("choices").path(0).path("message").path("content").asText();
        assertThat(content).startsWith("word0 word1 ").endsWith("word4999 ");
    }

    @Test
    void result_answerPastTheRulesLimit_isEmpty() {
        // 2,000 words are about 18 KB of answer: kept under a 32 KB limit, not under a 16 KB one
        byte[] sse = wordStream(2_000);
        StreamAssembler under = new StreamAssembler("chat.completions", 32 * 1024);
        StreamAssembler over = new StreamAssembler("chat.completions", 16 * 1024);

        under.feed(sse, 0, sse.length);
        over.feed(sse, 0, sse.length);

        assertThat(under.result()).isPresent();
        assertThat(over.result()).isEmpty();
    }

    @Test
    void sse_anthropicAnswerWithCitations_replaysThemAndReassemblesToTheSameAnswer() throws Exception {
        String answer = """
                {"id":"msg_c","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
                 "content":[{"type":"text","text":"According to the policy, "},
                  {"type":"text","text":"refunds are paid within 14 days","citations":[{"type":"char_location",
                   "cited_text":"Refunds are paid within 14 days of the return.","document_index":0,
                   "document_title":"Refund policy","start_char_index":0,"end_char_index":47}]}],
                 "stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":610,"output_tokens":22}}
                """;
        byte[] sse = StreamReplay.sse("messages", answer.getBytes(StandardCharsets.UTF_8));

        assertThat(new String(sse, StandardCharsets.UTF_8))
                .contains("{\"type\":\"text\",\"text\":\"\",\"citations\":[]}")
                .contains("\"delta\":{\"type\":\"citations_delta\",\"citation\":{\"type\":\"char_location\"");
        assertThat(assembled("messages", sse)).isEqualTo(JSON.readTree(answer));
    }

    @Test
    void sse_openAiReasoningAndAnnotations_areReplayedAsDeltas() throws Exception {
        String answer = """
                {"id":"chatcmpl-r","object":"chat.completion","created":1,"model":"gpt-4o-search-preview",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"It ships today.","refusal":null,
                   "reasoning_content":"The order page says so.",
                   "annotations":[{"type":"url_citation","url_citation":{"url":"https://shop.example/o/1",
                    "title":"Order 1","start_index":0,"end_index":15}}]},
                   "logprobs":null,"finish_reason":"stop"}]}
                """;

        String sse = new String(
                StreamReplay.sse("chat.completions", answer.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);

        assertThat(sse)
                .contains("\"delta\":{\"reasoning_content\":\"The order page says so.\"}")
                .contains("\"delta\":{\"content\":\"It ships today.\"}")
                .contains("\"delta\":{\"annotations\":[{\"type\":\"url_citation\"")
                .contains("\"url\":\"https://shop.example/o/1\"");
    }

    @Test
    void replay_openAiAnswerWithAudio_hasNone() {
        // a streamed audio answer is pcm16 chunks of delta.audio: served without them, the repeat would be silent
        String answer = """
                {"id":"chatcmpl-a","object":"chat.completion","created":1,"model":"gpt-4o-audio-preview",
                 "choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,"annotations":[],
                   "audio":{"id":"audio_1","data":"UklGRg==","expires_at":2,"transcript":"Hello"}},
                   "logprobs":null,"finish_reason":"stop"}]}
                """;

        assertThat(StreamReplay.replay("chat.completions", answer.getBytes(StandardCharsets.UTF_8), true))
                .isEmpty();
    }

    @Test
    void result_errorEvent_isEmpty() {
        byte[] sse =
                "data: {\"error\":{\"message\":\"overloaded\"}}\n\ndata: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);
        StreamAssembler a = new StreamAssembler("chat.completions", MAX_ENTRY_BYTES);

        a.feed(sse, 0, sse.length);

        assertThat(a.result()).isEmpty();
    }

    @Test
    void sse_legacyFunctionCall_replaysTheCallAndReassemblesToTheSameAnswer() throws Exception {
        // Chat Completions' legacy `functions` parameter: the answer carries message.function_call, not tool_calls
        String answer = """
                {"id":"chatcmpl-3","object":"chat.completion","created":1764979200,"model":"gpt-4o-mini-2024-07-18",
                 "choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,
                   "function_call":{"name":"get_order_status","arguments":"{\\"order_id\\":\\"A-1041\\"}"}},
                   "logprobs":null,"finish_reason":"function_call"}],
                 "usage":{"prompt_tokens":82,"completion_tokens":18,"total_tokens":100}}
                """;
        byte[] sse = StreamReplay.sse("chat.completions", answer.getBytes(StandardCharsets.UTF_8));

        assertThat(new String(sse, StandardCharsets.UTF_8))
                .contains("\"function_call\":{\"name\":\"get_order_status\",\"arguments\":\"\"}");
        assertThat(assembled("chat.completions", sse)).isEqualTo(JSON.readTree(answer));
    }

    @Test
    void assembler_emptyDeltaFieldsItDoesNotKnow_stillKeepsTheAnswer() throws Exception {
        // OpenRouter's chunks carry "reasoning": null and "reasoning_details": [] when the model did not reason
        String sse = """
                data: {"id":"gen-1","object":"chat.completion.chunk","created":1,"model":"openai/gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"Yes","reasoning":null,"reasoning_details":[]},"logprobs":null,"finish_reason":null}]}

                data: {"id":"gen-1","object":"chat.completion.chunk","created":1,"model":"openai/gpt-4o-mini","choices":[{"index":0,"delta":{"content":"","reasoning":""},"logprobs":null,"finish_reason":"stop"}]}

                data: [DONE]

                """;

        JsonNode kept = assembled("chat.completions", sse.getBytes(StandardCharsets.UTF_8));

        assertThat(kept.path("choices").path(0).path("message").path("content").asText())
                .isEqualTo("Yes");
    }

    @Test
    void result_deltaFieldItCannotRebuild_isEmpty() {
        // an audio answer (gpt-4o-audio-preview) streams delta.audio; kept without it, every repeat would be silent
        String sse = """
                data: {"id":"chatcmpl-4","object":"chat.completion.chunk","created":1,"model":"gpt-4o-audio-preview","choices":[{"index":0,"delta":{"role":"assistant","content":null,"refusal":null},"logprobs":null,"finish_reason":null}]}

                data: {"id":"chatcmpl-4","object":"chat.completion.chunk","created":1,"model":"gpt-4o-audio-preview","choices":[{"index":0,"delta":{"audio":{"id":"audio_1","transcript":"Hello"}},"logprobs":null,"finish_reason":null}]}

                data: {"id":"chatcmpl-4","object":"chat.completion.chunk","created":1,"model":"gpt-4o-audio-preview","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}

                data: [DONE]

                """;
        StreamAssembler a = new StreamAssembler("chat.completions", MAX_ENTRY_BYTES);
        byte[] bytes = sse.getBytes(StandardCharsets.UTF_8);

        a.feed(bytes, 0, bytes.length);

        assertThat(a.result()).isEmpty();
    }

    @Test
    void assembler_anthropicServerToolUse_keepsTheSearchItRan() throws Exception {
        // web search streams its query as input_json_delta on a server_tool_use block, as a client tool's input
        String sse = """
                event: message_start
                data: {"type":"message_start","message":{"id":"msg_ws","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":2679,"output_tokens":3}}}

                event: content_block_start
                data: {"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"query\\": \\"EU AI"}}

                event: content_block_delta
                data: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":" Act news\\"}"}}

                event: content_block_stop
                data: {"type":"content_block_stop","index":0}

                event: message_delta
                data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":46}}

                event: message_stop
                data: {"type":"message_stop"}

                """;

        JsonNode kept = assembled("messages", sse.getBytes(StandardCharsets.UTF_8));

        assertThat(kept.path("content").path(0).path("input").path("query").asText())
                .isEqualTo("EU AI Act news");
        assertThat(assembled("messages", StreamReplay.sse("messages", JSON.writeValueAsBytes(kept))))
                .isEqualTo(kept);
    }
}
