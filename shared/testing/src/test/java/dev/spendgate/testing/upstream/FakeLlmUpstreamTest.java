package dev.spendgate.testing.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FakeLlmUpstreamTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private static final String OPENAI_AUTH = "Bearer " + FakeLlmUpstream.Options.DEFAULT_OPENAI_KEY;
    private static final String CHAT_BODY =
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello to the test\"}]}";
    private static final String CHAT_STREAM_BODY = "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    private static final String CHAT_STREAM_USAGE_BODY = "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    private static final String MESSAGES_BODY = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":256,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    private static final String MESSAGES_STREAM_BODY = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":256,"
            + "\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";

    private static FakeLlmUpstream upstream;

    @BeforeAll
    static void startUpstream() {
        upstream = FakeLlmUpstream.start();
    }

    @AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    @BeforeEach
    void resetUpstream() {
        upstream.reset();
    }

    @Test
    void timeAnswers_reportEachAnswerWithItsHeadersAndStampsInOrder() throws Exception {
        List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<long[]> stamps = new java.util.concurrent.CopyOnWriteArrayList<>();
        upstream.timeAnswers((headers, port, dispatched, began, answered) -> {
            calls.add(headers.getFirst("X-Bench-Call"));
            stamps.add(new long[] {port, dispatched, began, answered});
        });
        try {
            long sent = System.nanoTime();
            HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(5))
                    .header("Authorization", OPENAI_AUTH)
                    .header("X-Bench-Call", "7-42")
                    .POST(HttpRequest.BodyPublishers.ofString(CHAT_BODY))
                    .build());
            assertThat(response.statusCode()).isEqualTo(200);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (stamps.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(1); // stamped once the answer is written, which the client may see first
            }

            assertThat(calls).containsExactly("7-42");
            long[] s = stamps.get(0);
            assertThat(s[0]).isPositive();
            assertThat(s[1]).isGreaterThanOrEqualTo(sent);
            assertThat(s[2]).isGreaterThanOrEqualTo(s[1]);
            assertThat(s[3]).isGreaterThanOrEqualTo(s[2]);
        } finally {
            upstream.timeAnswers(null);
        }
    }

    // ---- OpenAI Chat Completions ------------------------------------------------------------------------------

    @Test
    void chatCompletions_nonStream_returnsCompletionWithFullUsage() throws Exception {
        HttpResponse<String> response = postOpenAi("/v1/chat/completions", CHAT_BODY);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.headers().firstValue("x-request-id"))
                .hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
        assertThat(response.headers().firstValue("openai-processing-ms")).isPresent();
        JsonNode body = json(response.body());
        assertThat(body.path("id").asText()).startsWith("chatcmpl-");
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("created").isIntegralNumber()).isTrue();
        assertThat(body.path("model").asText()).isEqualTo("gpt-4o-mini");
        JsonNode choice = body.path("choices").get(0);
        assertThat(choice.path("index").asInt()).isZero();
        assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(choice.path("message").path("content").asText())
                .isEqualTo(Behavior.defaults().text());
        assertThat(choice.path("message").get("refusal").isNull()).isTrue();
        assertThat(choice.path("message").path("annotations").isArray()).isTrue();
        assertThat(choice.get("logprobs").isNull()).isTrue();
        assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
        int promptTokens = CHAT_BODY.getBytes(StandardCharsets.UTF_8).length / 4;
        JsonNode usage = body.path("usage");
        assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(promptTokens);
        assertThat(usage.path("completion_tokens").asInt()).isEqualTo(Behavior.DEFAULT_PIECE_COUNT);
        assertThat(usage.path("total_tokens").asInt()).isEqualTo(promptTokens + Behavior.DEFAULT_PIECE_COUNT);
        assertThat(usage.at("/prompt_tokens_details/cached_tokens").asInt(-1)).isZero();
        assertThat(usage.at("/prompt_tokens_details/audio_tokens").asInt(-1)).isZero();
        assertThat(usage.at("/completion_tokens_details/reasoning_tokens").asInt(-1))
                .isZero();
        assertThat(usage.at("/completion_tokens_details/accepted_prediction_tokens")
                        .isNumber())
                .isTrue();
        assertThat(usage.at("/completion_tokens_details/rejected_prediction_tokens")
                        .isNumber())
                .isTrue();
        assertThat(body.path("service_tier").asText()).isEqualTo("default");
        assertThat(body.path("system_fingerprint").asText()).startsWith("fp_");
    }

    @Test
    void chatCompletions_behaviorTokens_areReportedWithOpenAiSemantics() throws Exception {
        upstream.setDefaultBehavior(Behavior.defaults()
                .withInputTokens(1000)
                .withCachedTokens(400)
                .withReasoningTokens(50)
                .withPieces("Hel", "lo")
                .withServedModel("gpt-4o-2024-08-06"));

        JsonNode body = json(postOpenAi("/v1/chat/completions", CHAT_BODY).body());

        assertThat(body.path("model").asText()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("Hello");
        assertThat(body.at("/usage/prompt_tokens").asInt()).isEqualTo(1000);
        assertThat(body.at("/usage/prompt_tokens_details/cached_tokens").asInt())
                .isEqualTo(400);
        assertThat(body.at("/usage/completion_tokens").asInt()).isEqualTo(52);
        assertThat(body.at("/usage/completion_tokens_details/reasoning_tokens").asInt())
                .isEqualTo(50);
        assertThat(body.at("/usage/total_tokens").asInt()).isEqualTo(1052);
    }

    @Test
    void chatCompletions_streamWithIncludeUsage_endsWithUsageChunkBeforeDone() throws Exception {
        upstream.setDefaultBehavior(Behavior.defaults().withPieceCount(3).withInputTokens(42));

        HttpResponse<String> response = postOpenAi("/v1/chat/completions", CHAT_STREAM_USAGE_BODY);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
        List<Frame> frames = frames(response.body());
        assertThat(frames).allSatisfy(frame -> assertThat(frame.event()).isNull());
        assertThat(frames).hasSize(7);
        assertThat(frames.get(6).data()).isEqualTo("[DONE]");
        List<JsonNode> chunks =
                frames.subList(0, 6).stream().map(f -> json(f.data())).toList();
        assertThat(chunks)
                .allSatisfy(chunk -> assertThat(chunk.path("object").asText()).isEqualTo("chat.completion.chunk"));
        assertThat(chunks)
                .extracting(c -> c.path("id").asText())
                .containsOnly(chunks.get(0).path("id").asText());
        assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        assertThat(chunks.subList(1, 4))
                .extracting(c -> c.at("/choices/0/delta/content").asText())
                .containsExactly("word0 ", "word1 ", "word2 ");
        assertThat(chunks.get(4).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(chunks.subList(0, 5)).allSatisfy(chunk -> {
            assertThat(chunk.has("usage")).isTrue();
            assertThat(chunk.get("usage").isNull()).isTrue();
        });
        JsonNode usageChunk = chunks.get(5);
        assertThat(usageChunk.path("choices").isArray()).isTrue();
        assertThat(usageChunk.path("choices")).isEmpty();
        assertThat(usageChunk.at("/usage/prompt_tokens").asInt()).isEqualTo(42);
        assertThat(usageChunk.at("/usage/completion_tokens").asInt()).isEqualTo(3);
        assertThat(usageChunk.at("/usage/total_tokens").asInt()).isEqualTo(45);
    }

    @Test
    void chatCompletions_streamWithoutIncludeUsage_sendsNoUsageAtAll() throws Exception {
        HttpResponse<String> response = postOpenAi("/v1/chat/completions", CHAT_STREAM_BODY);

        List<Frame> frames = frames(response.body());
        assertThat(frames).hasSize(1 + Behavior.DEFAULT_PIECE_COUNT + 1 + 1);
        assertThat(frames.get(frames.size() - 1).data()).isEqualTo("[DONE]");
        assertThat(frames.subList(0, frames.size() - 1))
                .allSatisfy(frame -> assertThat(json(frame.data()).has("usage")).isFalse());
        assertThat(json(frames.get(frames.size() - 2).data())
                        .at("/choices/0/finish_reason")
                        .asText())
                .isEqualTo("stop");
    }

    @Test
    void chatCompletions_truncatedStream_dropsConnectionWithoutFinishOrDone() throws Exception {
        upstream.enqueue(Behavior.defaults().withTruncateAfterPieces(2));

        Received received = receive(openAiRequest("/v1/chat/completions", CHAT_STREAM_USAGE_BODY));

        assertThat(received.status()).isEqualTo(200);
        assertThat(received.failure()).isInstanceOf(IOException.class);
        List<Frame> frames = frames(received.body());
        assertThat(frames).hasSize(3);
        assertThat(frames.subList(1, 3))
                .extracting(f -> json(f.data()).at("/choices/0/delta/content").asText())
                .containsExactly("word0 ", "word1 ");
        assertThat(received.body())
                .doesNotContain("[DONE]")
                .doesNotContain("\"finish_reason\":\"stop\"")
                .doesNotContain("prompt_tokens");
    }

    @Test
    void chatCompletions_truncatedNonStream_sendsPartOfTheBodyThenDrops() throws Exception {
        upstream.enqueue(Behavior.defaults().withTruncateAfterPieces(0));

        Received received = receive(openAiRequest("/v1/chat/completions", CHAT_BODY));

        assertThat(received.status()).isEqualTo(200);
        assertThat(received.failure()).isInstanceOf(IOException.class);
        assertThat(received.body()).startsWith("{\"id\":\"chatcmpl-").doesNotContain("system_fingerprint");
    }

    @Test
    void chatCompletions_pieceDelay_dribblesEventsOverTime() throws Exception {
        upstream.enqueue(Behavior.defaults().withPieceCount(6).withPieceDelay(Duration.ofMillis(80)));

        HttpResponse<InputStream> response = CLIENT.send(
                openAiRequest("/v1/chat/completions", CHAT_STREAM_BODY), HttpResponse.BodyHandlers.ofInputStream());
        List<Long> arrivals = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    arrivals.add(System.nanoTime());
                    lines.add(line);
                }
            }
        }

        assertThat(lines).hasSize(9).last().isEqualTo("data: [DONE]");
        long spreadMillis = Duration.ofNanos(arrivals.get(arrivals.size() - 1) - arrivals.get(0))
                .toMillis();
        // 5 gaps of 80 ms = 400 ms on the server; the first event must have been readable long before the last.
        assertThat(spreadMillis).isGreaterThanOrEqualTo(250);
    }

    // ---- OpenAI Responses ---------------------------------------------------------------------------------------

    @Test
    void responses_nonStream_returnsCompletedResponseWithUsage() throws Exception {
        upstream.enqueue(
                Behavior.defaults().withInputTokens(100).withCachedTokens(60).withReasoningTokens(7));

        HttpResponse<String> response = postOpenAi(
                "/v1/responses", "{\"model\":\"gpt-4.1\",\"input\":\"Say hello\",\"instructions\":\"Be brief\"}");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response.body());
        assertThat(body.path("id").asText()).startsWith("resp_");
        assertThat(body.path("object").asText()).isEqualTo("response");
        assertThat(body.path("created_at").isNumber()).isTrue();
        assertThat(body.path("status").asText()).isEqualTo("completed");
        assertThat(body.path("model").asText()).isEqualTo("gpt-4.1");
        assertThat(body.path("instructions").asText()).isEqualTo("Be brief");
        assertThat(body.get("error").isNull()).isTrue();
        assertThat(body.get("incomplete_details").isNull()).isTrue();
        assertThat(body.path("metadata").isObject()).isTrue();
        assertThat(body.path("parallel_tool_calls").asBoolean()).isTrue();
        assertThat(body.path("tool_choice").asText()).isEqualTo("auto");
        assertThat(body.path("tools").isArray()).isTrue();
        assertThat(body.path("temperature").isNumber()).isTrue();
        assertThat(body.path("top_p").isNumber()).isTrue();
        JsonNode item = body.path("output").get(0);
        assertThat(item.path("type").asText()).isEqualTo("message");
        assertThat(item.path("id").asText()).startsWith("msg_");
        assertThat(item.path("status").asText()).isEqualTo("completed");
        assertThat(item.path("role").asText()).isEqualTo("assistant");
        assertThat(item.at("/content/0/type").asText()).isEqualTo("output_text");
        assertThat(item.at("/content/0/text").asText())
                .isEqualTo(Behavior.defaults().text());
        assertThat(item.at("/content/0/annotations").isArray()).isTrue();
        JsonNode usage = body.path("usage");
        assertThat(usage.path("input_tokens").asInt()).isEqualTo(100);
        assertThat(usage.at("/input_tokens_details/cached_tokens").asInt()).isEqualTo(60);
        assertThat(usage.path("output_tokens").asInt()).isEqualTo(Behavior.DEFAULT_PIECE_COUNT + 7);
        assertThat(usage.at("/output_tokens_details/reasoning_tokens").asInt()).isEqualTo(7);
        assertThat(usage.path("total_tokens").asInt()).isEqualTo(100 + Behavior.DEFAULT_PIECE_COUNT + 7);
    }

    @Test
    void responses_stream_emitsEventsInOrderEndingWithCompletedUsage() throws Exception {
        upstream.enqueue(Behavior.defaults().withPieces("Hi", " there").withInputTokens(9));

        HttpResponse<String> response =
                postOpenAi("/v1/responses", "{\"model\":\"gpt-4.1\",\"input\":\"Say hello\",\"stream\":true}");

        assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
        List<Frame> frames = frames(response.body());
        assertThat(frames)
                .extracting(Frame::event)
                .containsExactly(
                        "response.created",
                        "response.in_progress",
                        "response.output_item.added",
                        "response.content_part.added",
                        "response.output_text.delta",
                        "response.output_text.delta",
                        "response.output_text.done",
                        "response.content_part.done",
                        "response.output_item.done",
                        "response.completed");
        List<JsonNode> events = frames.stream().map(f -> json(f.data())).toList();
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).path("type").asText())
                    .isEqualTo(frames.get(i).event());
            assertThat(events.get(i).path("sequence_number").asInt()).isEqualTo(i);
        }
        assertThat(events.get(0).at("/response/status").asText()).isEqualTo("in_progress");
        assertThat(events.get(4).path("delta").asText()).isEqualTo("Hi");
        assertThat(events.get(5).path("delta").asText()).isEqualTo(" there");
        assertThat(events.get(6).path("text").asText()).isEqualTo("Hi there");
        JsonNode completed = events.get(9).path("response");
        assertThat(completed.path("status").asText()).isEqualTo("completed");
        assertThat(completed.path("id").asText())
                .isEqualTo(events.get(0).at("/response/id").asText());
        assertThat(completed.at("/output/0/content/0/text").asText()).isEqualTo("Hi there");
        assertThat(completed.at("/usage/input_tokens").asInt()).isEqualTo(9);
        assertThat(completed.at("/usage/output_tokens").asInt()).isEqualTo(2);
        assertThat(completed.at("/usage/total_tokens").asInt()).isEqualTo(11);
    }

    // ---- OpenAI Embeddings ------------------------------------------------------------------------------------

    @Test
    void embeddings_arrayInput_returnsOneDeterministicUnitVectorPerInput() throws Exception {
        String request =
                "{\"model\":\"text-embedding-3-small\",\"input\":[\"alpha\",\"beta\"],\"encoding_format\":\"float\"}";

        JsonNode first = json(postOpenAi("/v1/embeddings", request).body());
        JsonNode second = json(postOpenAi("/v1/embeddings", request).body());
        JsonNode single =
                json(postOpenAi("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"alpha\"}")
                        .body());

        assertThat(first.path("object").asText()).isEqualTo("list");
        assertThat(first.path("model").asText()).isEqualTo("text-embedding-3-small");
        assertThat(first.path("data")).hasSize(2);
        assertThat(first.at("/data/1/object").asText()).isEqualTo("embedding");
        assertThat(first.at("/data/1/index").asInt()).isEqualTo(1);
        assertThat(first.at("/data/0/embedding")).hasSize(8);
        double norm = 0;
        for (JsonNode value : first.at("/data/0/embedding")) {
            norm += value.asDouble() * value.asDouble();
        }
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(first.path("data")).isEqualTo(second.path("data"));
        assertThat(single.path("data")).hasSize(1);
        assertThat(single.at("/data/0/embedding")).isEqualTo(first.at("/data/0/embedding"));
        assertThat(first.at("/data/0/embedding")).isNotEqualTo(first.at("/data/1/embedding"));
        int promptTokens = request.getBytes(StandardCharsets.UTF_8).length / 4;
        assertThat(first.at("/usage/prompt_tokens").asInt()).isEqualTo(promptTokens);
        assertThat(first.at("/usage/total_tokens").asInt()).isEqualTo(promptTokens);
    }

    @Test
    void embeddings_base64Encoding_returnsLittleEndianFloat32Vector() throws Exception {
        JsonNode floats = json(postOpenAi(
                        "/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":\"alpha\",\"dimensions\":4}")
                .body());
        JsonNode base64 = json(postOpenAi(
                        "/v1/embeddings",
                        "{\"model\":\"text-embedding-3-small\",\"input\":\"alpha\",\"dimensions\":4,"
                                + "\"encoding_format\":\"base64\"}")
                .body());

        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder()
                        .decode(base64.at("/data/0/embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        List<Float> decoded = new ArrayList<>();
        while (bytes.hasRemaining()) {
            decoded.add(bytes.getFloat());
        }
        List<Float> expected = new ArrayList<>();
        floats.at("/data/0/embedding").forEach(v -> expected.add(v.floatValue()));
        assertThat(decoded).hasSize(4).isEqualTo(expected);
    }

    // ---- Anthropic Messages -----------------------------------------------------------------------------------

    @Test
    void messages_nonStream_reportsDisjointCacheTokens() throws Exception {
        upstream.enqueue(Behavior.defaults()
                .withInputTokens(10)
                .withCachedTokens(300)
                .withCacheWrite5mTokens(50)
                .withCacheWrite1hTokens(20));

        HttpResponse<String> response = postAnthropic(MESSAGES_BODY);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.headers().firstValue("request-id"))
                .hasValueSatisfying(id -> assertThat(id).startsWith("req_"));
        assertThat(response.headers().firstValue("anthropic-ratelimit-requests-limit"))
                .isPresent();
        JsonNode body = json(response.body());
        assertThat(body.path("id").asText()).startsWith("msg_");
        assertThat(body.path("type").asText()).isEqualTo("message");
        assertThat(body.path("role").asText()).isEqualTo("assistant");
        assertThat(body.path("model").asText()).isEqualTo("claude-sonnet-4-5");
        assertThat(body.at("/content/0/type").asText()).isEqualTo("text");
        assertThat(body.at("/content/0/text").asText())
                .isEqualTo(Behavior.defaults().text());
        assertThat(body.path("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(body.get("stop_sequence").isNull()).isTrue();
        JsonNode usage = body.path("usage");
        assertThat(usage.path("input_tokens").asInt()).isEqualTo(10);
        assertThat(usage.path("cache_read_input_tokens").asInt()).isEqualTo(300);
        assertThat(usage.path("cache_creation_input_tokens").asInt()).isEqualTo(70);
        assertThat(usage.at("/cache_creation/ephemeral_5m_input_tokens").asInt())
                .isEqualTo(50);
        assertThat(usage.at("/cache_creation/ephemeral_1h_input_tokens").asInt())
                .isEqualTo(20);
        assertThat(usage.path("output_tokens").asInt()).isEqualTo(Behavior.DEFAULT_PIECE_COUNT);
        assertThat(usage.path("service_tier").asText()).isEqualTo("standard");
    }

    @Test
    void messages_stream_emitsEventsInOrderWithFinalOutputTokens() throws Exception {
        upstream.enqueue(Behavior.defaults()
                .withPieces("Hel", "lo", "!")
                .withInputTokens(12)
                .withCachedTokens(5));

        HttpResponse<String> response = postAnthropic(MESSAGES_STREAM_BODY);

        assertThat(response.headers().firstValue("content-type")).hasValue("text/event-stream; charset=utf-8");
        List<Frame> frames = frames(response.body());
        assertThat(frames)
                .extracting(Frame::event)
                .containsExactly(
                        "message_start",
                        "content_block_start",
                        "ping",
                        "content_block_delta",
                        "content_block_delta",
                        "content_block_delta",
                        "content_block_stop",
                        "message_delta",
                        "message_stop");
        List<JsonNode> events = frames.stream().map(f -> json(f.data())).toList();
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).path("type").asText())
                    .isEqualTo(frames.get(i).event());
        }
        JsonNode start = events.get(0).path("message");
        assertThat(start.path("content")).isEmpty();
        assertThat(start.get("stop_reason").isNull()).isTrue();
        assertThat(start.at("/usage/input_tokens").asInt()).isEqualTo(12);
        assertThat(start.at("/usage/cache_read_input_tokens").asInt()).isEqualTo(5);
        assertThat(start.at("/usage/output_tokens").asInt()).isEqualTo(1);
        assertThat(events.get(1).at("/content_block/type").asText()).isEqualTo("text");
        assertThat(events.subList(3, 6))
                .extracting(e ->
                        e.at("/delta/type").asText() + ":" + e.at("/delta/text").asText())
                .containsExactly("text_delta:Hel", "text_delta:lo", "text_delta:!");
        JsonNode messageDelta = events.get(7);
        assertThat(messageDelta.at("/delta/stop_reason").asText()).isEqualTo("end_turn");
        assertThat(messageDelta.at("/delta/stop_sequence").isNull()).isTrue();
        assertThat(messageDelta.at("/usage/output_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void messages_truncatedStream_dropsConnectionWithoutMessageStop() throws Exception {
        upstream.enqueue(Behavior.defaults().withTruncateAfterPieces(1));

        Received received = receive(anthropicRequest(MESSAGES_STREAM_BODY));

        assertThat(received.failure()).isInstanceOf(IOException.class);
        assertThat(frames(received.body()))
                .extracting(Frame::event)
                .containsExactly("message_start", "content_block_start", "ping", "content_block_delta");
    }

    // ---- auth and errors --------------------------------------------------------------------------------------

    @Test
    void chatCompletions_wrongOrMissingBearerKey_returns401InOpenAiShape() throws Exception {
        HttpResponse<String> wrong = send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .header("Authorization", "Bearer sk-not-the-right-key")
                .POST(HttpRequest.BodyPublishers.ofString(CHAT_BODY))
                .build());
        HttpResponse<String> missing = send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(CHAT_BODY))
                .build());

        assertThat(wrong.statusCode()).isEqualTo(401);
        JsonNode error = json(wrong.body()).path("error");
        assertThat(error.path("message").asText()).contains("Incorrect API key");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.has("param")).isTrue();
        assertThat(error.path("code").asText()).isEqualTo("invalid_api_key");
        assertThat(missing.statusCode()).isEqualTo(401);
        assertThat(json(missing.body()).at("/error/message").asText()).contains("didn't provide an API key");
        assertThat(upstream.queuedBehaviors()).isZero();
    }

    @Test
    void messages_wrongApiKey_returns401InAnthropicShapeWithoutConsumingQueue() throws Exception {
        upstream.enqueue(Behavior.error(500));

        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/v1/messages"))
                .header("x-api-key", "sk-ant-wrong")
                .header("anthropic-version", "2023-06-01")
                .POST(HttpRequest.BodyPublishers.ofString(MESSAGES_BODY))
                .build());

        assertThat(response.statusCode()).isEqualTo(401);
        JsonNode body = json(response.body());
        assertThat(body.path("type").asText()).isEqualTo("error");
        assertThat(body.at("/error/type").asText()).isEqualTo("authentication_error");
        assertThat(body.at("/error/message").asText()).isEqualTo("invalid x-api-key");
        assertThat(upstream.queuedBehaviors()).isEqualTo(1);
    }

    @Test
    void messages_missingAnthropicVersion_returns400InvalidRequest() throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/v1/messages"))
                .header("x-api-key", FakeLlmUpstream.Options.DEFAULT_ANTHROPIC_KEY)
                .POST(HttpRequest.BodyPublishers.ofString(MESSAGES_BODY))
                .build());

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(json(response.body()).at("/error/message").asText()).contains("anthropic-version");
    }

    @Test
    void malformedJson_eitherProvider_returns400InProviderShape() throws Exception {
        HttpResponse<String> openAi = postOpenAi("/v1/chat/completions", "{\"model\": ");
        HttpResponse<String> anthropic = postAnthropic("not json");

        assertThat(openAi.statusCode()).isEqualTo(400);
        assertThat(json(openAi.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(json(openAi.body()).at("/error/message").asText()).contains("could not parse the JSON body");
        assertThat(anthropic.statusCode()).isEqualTo(400);
        assertThat(json(anthropic.body()).path("type").asText()).isEqualTo("error");
        assertThat(json(anthropic.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void enqueue_rateLimitThenServerError_appliesQueuedBehaviorsOnceInOrder() throws Exception {
        upstream.enqueue(Behavior.rateLimited(Duration.ofMillis(1500)));
        upstream.enqueue(Behavior.error(500));

        HttpResponse<String> first = postOpenAi("/v1/chat/completions", CHAT_BODY);
        HttpResponse<String> second = postAnthropic(MESSAGES_BODY);
        HttpResponse<String> third = postOpenAi("/v1/chat/completions", CHAT_BODY);

        assertThat(first.statusCode()).isEqualTo(429);
        assertThat(first.headers().firstValue("retry-after")).hasValue("2");
        assertThat(json(first.body()).at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(second.statusCode()).isEqualTo(500);
        assertThat(json(second.body()).at("/error/type").asText()).isEqualTo("api_error");
        assertThat(third.statusCode()).isEqualTo(200);
        assertThat(upstream.queuedBehaviors()).isZero();
    }

    @Test
    void error_customBodyAndHeaders_areReturnedVerbatim() throws Exception {
        String custom = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"busy\"}}";
        upstream.enqueue(Behavior.error(529, custom).withHeader("x-should-retry", "true"));

        HttpResponse<String> response = postAnthropic(MESSAGES_BODY);

        assertThat(response.statusCode()).isEqualTo(529);
        assertThat(response.body()).isEqualTo(custom);
        assertThat(response.headers().firstValue("x-should-retry")).hasValue("true");
    }

    @Test
    void unknownPath_returns404InOpenAiShape() throws Exception {
        HttpResponse<String> response = postOpenAi("/v1/completions-unknown", CHAT_BODY);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json(response.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
    }

    // ---- recording, control and lifecycle -----------------------------------------------------------------------

    @Test
    void requests_afterCalls_recordMethodPathHeadersAndBody() throws Exception {
        postOpenAi("/v1/chat/completions", CHAT_STREAM_USAGE_BODY);
        send(anthropicRequestBuilder(MESSAGES_BODY)
                .header("X-Cost-Team", "search")
                .build());

        assertThat(upstream.requestCount()).isEqualTo(2);
        RecordedRequest openAi = upstream.requests().get(0);
        assertThat(openAi.method()).isEqualTo("POST");
        assertThat(openAi.path()).isEqualTo("/v1/chat/completions");
        assertThat(openAi.header("authorization")).isEqualTo(OPENAI_AUTH);
        assertThat(openAi.bodyString()).isEqualTo(CHAT_STREAM_USAGE_BODY);
        assertThat(openAi.bodyJson().at("/stream_options/include_usage").asBoolean())
                .isTrue();
        RecordedRequest anthropic = upstream.lastRequest();
        assertThat(anthropic.path()).isEqualTo("/v1/messages");
        assertThat(anthropic.header("X-API-KEY")).isEqualTo(FakeLlmUpstream.Options.DEFAULT_ANTHROPIC_KEY);
        assertThat(anthropic.headers()).containsKey("x-cost-team").containsKey("Anthropic-Version");
        assertThat(anthropic.headers().get("x-cost-team")).containsExactly("search");
        assertThat(anthropic.body()).isEqualTo(MESSAGES_BODY.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void health_get_returns200AndIsNotRecorded() throws Exception {
        HttpResponse<String> response =
                send(HttpRequest.newBuilder(uri("/health")).GET().build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(upstream.requestCount()).isZero();
        assertThatThrownBy(upstream::lastRequest).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void reset_afterUse_clearsQueueRecordingAndDefault() throws Exception {
        upstream.setDefaultBehavior(Behavior.error(503));
        upstream.enqueue(Behavior.error(500));
        postOpenAi("/v1/chat/completions", CHAT_BODY);

        upstream.reset();

        assertThat(upstream.requestCount()).isZero();
        assertThat(upstream.requests()).isEmpty();
        assertThat(upstream.queuedBehaviors()).isZero();
        assertThat(upstream.defaultBehavior()).isEqualTo(Behavior.defaults());
        assertThat(postOpenAi("/v1/chat/completions", CHAT_BODY).statusCode()).isEqualTo(200);
    }

    @Test
    void firstByteDelay_onOneRequest_doesNotBlockOtherRequests() throws Exception {
        upstream.enqueue(Behavior.defaults().withFirstByteDelay(Duration.ofMillis(1500)));
        CompletableFuture<HttpResponse<String>> slow = CLIENT.sendAsync(
                openAiRequest("/v1/chat/completions", CHAT_BODY), HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (upstream.queuedBehaviors() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }

        HttpResponse<String> fast = postOpenAi("/v1/chat/completions", CHAT_BODY);

        assertThat(fast.statusCode()).isEqualTo(200);
        assertThat(slow).isNotDone();
        assertThat(slow.get().statusCode()).isEqualTo(200);
    }

    @Test
    void start_customOptions_acceptOnlyConfiguredKeysAndLimitRecording() throws Exception {
        FakeLlmUpstream.Options options = FakeLlmUpstream.Options.defaults()
                .withOpenAiKey("sk-custom")
                .withAnthropicKey("sk-ant-custom")
                .withRecordLimit(1);
        try (FakeLlmUpstream custom = FakeLlmUpstream.start(options)) {
            HttpRequest defaultKey = HttpRequest.newBuilder(custom.baseUri().resolve("/v1/chat/completions"))
                    .header("Authorization", OPENAI_AUTH)
                    .POST(HttpRequest.BodyPublishers.ofString(CHAT_BODY))
                    .build();
            HttpRequest customKey = HttpRequest.newBuilder(custom.baseUri().resolve("/v1/messages"))
                    .header("x-api-key", "sk-ant-custom")
                    .header("anthropic-version", "2023-06-01")
                    .POST(HttpRequest.BodyPublishers.ofString(MESSAGES_BODY))
                    .build();

            assertThat(send(defaultKey).statusCode()).isEqualTo(401);
            assertThat(send(customKey).statusCode()).isEqualTo(200);
            assertThat(custom.requestCount()).isEqualTo(2);
            assertThat(custom.requests()).hasSize(1);
            assertThat(custom.lastRequest().path()).isEqualTo("/v1/messages");
        }
    }

    @Test
    void baseUrls_followProviderConventions() {
        assertThat(upstream.baseUri().toString()).matches("http://127\\.0\\.0\\.1:\\d+");
        assertThat(upstream.openAiBaseUrl()).isEqualTo(upstream.baseUri() + "/v1");
        assertThat(upstream.anthropicBaseUrl()).isEqualTo(upstream.baseUri().toString());
    }

    @Test
    void behavior_invalidValues_areRejectedWithReadableMessages() {
        assertThatThrownBy(() -> Behavior.defaults().withCachedTokens(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cachedTokens");
        assertThatThrownBy(() -> Behavior.defaults().withPieceDelay(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("pieceDelay");
        assertThatThrownBy(() -> Behavior.defaults().withStatus(99))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("status");
        assertThatThrownBy(() -> FakeLlmUpstream.start(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("options");
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** One server-sent event: its {@code event:} name (null when absent) and its {@code data:} payload. */
    private record Frame(String event, String data) {}

    /** Status, every byte received (even those before a failure) and the failure that ended the body, if any. */
    private record Received(int status, String body, Throwable failure) {}

    /**
     * Reads a body through a plain {@link Flow.Subscriber}, which sees every chunk before the error; an
     * {@code ofInputStream()} reader may drop already-buffered bytes once the connection fails.
     */
    private static Received receive(HttpRequest request) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        Flow.Subscriber<List<ByteBuffer>> subscriber = new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(List<ByteBuffer> buffers) {
                for (ByteBuffer buffer : buffers) {
                    byte[] chunk = new byte[buffer.remaining()];
                    buffer.get(chunk);
                    bytes.writeBytes(chunk);
                }
            }

            @Override
            public void onError(Throwable failure) {
                ended.complete(failure);
            }

            @Override
            public void onComplete() {
                ended.complete(null);
            }
        };
        CompletableFuture<Integer> status = new CompletableFuture<>();
        CLIENT.sendAsync(request, info -> {
            status.complete(info.statusCode());
            return HttpResponse.BodySubscribers.fromSubscriber(subscriber);
        });
        Throwable failure = ended.get(5, TimeUnit.SECONDS);
        return new Received(status.get(5, TimeUnit.SECONDS), bytes.toString(StandardCharsets.UTF_8), failure);
    }

    private static List<Frame> frames(String body) {
        List<Frame> frames = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            Map<String, String> fields = block.lines()
                    .filter(line -> line.contains(": "))
                    .collect(Collectors.toMap(
                            line -> line.substring(0, line.indexOf(": ")),
                            line -> line.substring(line.indexOf(": ") + 2)));
            frames.add(new Frame(fields.get("event"), fields.get("data")));
        }
        return frames;
    }

    private static JsonNode json(String text) {
        try {
            return MAPPER.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private static URI uri(String path) {
        return upstream.baseUri().resolve(path);
    }

    private static HttpRequest openAiRequest(String path, String body) {
        return HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofSeconds(5))
                .header("Authorization", OPENAI_AUTH)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    private static HttpRequest.Builder anthropicRequestBuilder(String body) {
        return HttpRequest.newBuilder(uri("/v1/messages"))
                .timeout(Duration.ofSeconds(5))
                .header("x-api-key", FakeLlmUpstream.Options.DEFAULT_ANTHROPIC_KEY)
                .header("anthropic-version", "2023-06-01")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private static HttpRequest anthropicRequest(String body) {
        return anthropicRequestBuilder(body).build();
    }

    private static HttpResponse<String> postOpenAi(String path, String body) throws Exception {
        return send(openAiRequest(path, body));
    }

    private static HttpResponse<String> postAnthropic(String body) throws Exception {
        return send(anthropicRequest(body));
    }

    private static HttpResponse<String> send(HttpRequest request) throws Exception {
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
