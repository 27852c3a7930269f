package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streamed relay passes on in one write what the upstream has already sent, but never holds an event back
 * waiting for more: against an upstream that sends its first events and then waits until the client has them, the
 * call completes (a relay that waited for more input would leave both sides waiting), the client gets the upstream's
 * events byte for byte, and the call leaves one record with the provider's usage.
 */
class StreamRelayIT {
    @TempDir
    Path dir;

    private HeldUpstream upstream;
    private GatewayFixture gw;

    @AfterEach
    void stop() throws IOException {
        if (gw != null) {
            gw.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void openAiStream_upstreamWaitsForClientAfterFirstEvents_eventsArriveFirstAndByteIdentical() throws Exception {
        List<String> first = List.of(
                "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":"
                        + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
                "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":"
                        + "[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n");
        List<String> rest = new ArrayList<>();
        for (String piece : List.of("lo", " wor", "ld", "!")) {
            rest.add("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":"
                    + "[{\"index\":0,\"delta\":{\"content\":\"" + piece + "\"}}]}\n\n");
        }
        rest.add("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[],"
                + "\"usage\":{\"prompt_tokens\":41,\"completion_tokens\":6,\"total_tokens\":47}}\n\n");
        rest.add("data: [DONE]\n\n");
        upstream = new HeldUpstream(first, rest);
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_OPENAI_BASE_URL", upstream.base() + "/v1"));

        Received received = call(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello.\"}]}");

        assertThat(received.firstEventBeforeRest()).isTrue();
        assertThat(received.body()).isEqualTo(String.join("", first) + String.join("", rest));
        List<UsageRecord> records = gw.awaitRecords(1);
        assertThat(records).hasSize(1);
        UsageRecord r = records.get(0);
        assertThat(r.requestId()).isEqualTo(received.requestId());
        assertThat(r.usageSource()).isEqualTo(UsageSource.PROVIDER);
        assertThat(r.tokens().inputTokens()).isEqualTo(41);
        assertThat(r.tokens().outputTokens()).isEqualTo(6);
        assertThat(r.errorType()).isNull();
    }

    @Test
    void anthropicStream_upstreamWaitsForClientAfterFirstEvents_eventsArriveFirstAndByteIdentical() throws Exception {
        List<String> first = List.of(
                "event: message_start\r\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
                        + "\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":30,\"output_tokens\":1}}}\r\n\r\n",
                "event: content_block_start\r\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                        + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\r\n\r\n");
        List<String> rest = List.of(
                "event: content_block_delta\r\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                        + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\r\n\r\n",
                "event: ping\r\ndata: {\"type\": \"ping\"}\r\n\r\n",
                "event: content_block_delta\r\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                        + "\"delta\":{\"type\":\"text_delta\",\"text\":\" there\"}}\r\n\r\n",
                "event: content_block_stop\r\ndata: {\"type\":\"content_block_stop\",\"index\":0}\r\n\r\n",
                "event: message_delta\r\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
                        + "\"usage\":{\"output_tokens\":9}}\r\n\r\n",
                "event: message_stop\r\ndata: {\"type\":\"message_stop\"}\r\n\r\n");
        upstream = new HeldUpstream(first, rest);
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_ANTHROPIC_BASE_URL", upstream.base()));

        Received received = call(
                "/v1/messages",
                "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":64,\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hi.\"}]}");

        assertThat(received.firstEventBeforeRest()).isTrue();
        assertThat(received.body()).isEqualTo(String.join("", first) + String.join("", rest));
        List<UsageRecord> records = gw.awaitRecords(1);
        assertThat(records).hasSize(1);
        UsageRecord r = records.get(0);
        assertThat(r.usageSource()).isEqualTo(UsageSource.PROVIDER);
        assertThat(r.tokens().inputTokens()).isEqualTo(30);
        assertThat(r.tokens().outputTokens()).isEqualTo(9);
    }

    /** What the client read: the whole body, and whether its first event came before the upstream sent the rest. */
    private record Received(String requestId, String body, boolean firstEventBeforeRest) {}

    /** Reads the answer; once its first event is in, lets the upstream send the rest. */
    private Received call(String path, String body) throws Exception {
        HttpResponse<InputStream> response =
                gw.http.send(gw.post(path, body).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        boolean released = false;
        boolean firstBeforeRest = false;
        try (InputStream in = response.body()) {
            byte[] buffer = new byte[4096];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                seen.write(buffer, 0, n);
                if (!released && endsAnEvent(seen.toString(StandardCharsets.UTF_8))) {
                    firstBeforeRest = !upstream.restSent();
                    upstream.release();
                    released = true;
                }
            }
        }
        return new Received(
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow(),
                seen.toString(StandardCharsets.UTF_8),
                firstBeforeRest);
    }

    private static boolean endsAnEvent(String text) {
        return text.contains("\n\n") || text.contains("\r\n\r\n");
    }

    /**
     * A one-call upstream on 127.0.0.1: answers with the first events (one HTTP chunk each, in one write), then sends
     * nothing until {@link #release}, then the other events and the end of the body (again in one write). If the
     * client has not released it within 20 s, it sends the rest anyway, so a failing test ends.
     */
    private static final class HeldUpstream implements AutoCloseable {
        private final ServerSocket server;
        private final CountDownLatch released = new CountDownLatch(1);
        private volatile boolean restSent;
        private final Thread thread;

        HeldUpstream(List<String> first, List<String> rest) throws IOException {
            server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
            thread = new Thread(() -> serve(first, rest), "held-upstream");
            thread.setDaemon(true);
            thread.start();
        }

        String base() {
            return "http://127.0.0.1:" + server.getLocalPort();
        }

        void release() {
            released.countDown();
        }

        boolean restSent() {
            return restSent;
        }

        private void serve(List<String> first, List<String> rest) {
            try (Socket socket = server.accept()) {
                socket.setTcpNoDelay(true);
                readRequest(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                ByteArrayOutputStream head = new ByteArrayOutputStream();
                head.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                chunks(head, first);
                out.write(head.toByteArray());
                out.flush();
                released.await(20, TimeUnit.SECONDS);
                ByteArrayOutputStream tail = new ByteArrayOutputStream();
                chunks(tail, rest);
                tail.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                restSent = true;
                out.write(tail.toByteArray());
                out.flush();
                socket.getInputStream().read(); // until the gateway closes or reuses the connection
            } catch (IOException e) {
                // the gateway went away
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static void chunks(ByteArrayOutputStream out, List<String> events) throws IOException {
            for (String event : events) {
                byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
                out.write((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(bytes);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
        }

        /** Reads the request head and its Content-Length body. */
        private static void readRequest(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("request ended early");
                }
                head.write(b);
                matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            int length = 0;
            for (String line : head.toString(StandardCharsets.ISO_8859_1).split("\r\n")) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            in.readNBytes(length);
        }

        @Override
        public void close() throws IOException {
            released.countDown();
            server.close();
        }
    }
}
