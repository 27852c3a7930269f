package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The streamed relay against upstreams that send legal bytes at awkward places, driven through a real local gateway.
 */
class SseRelayEdgesReviewIT {
    private static final String SSE_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n";
    private static final String CHAT_ASKING_USAGE = "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
            + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    @TempDir
    Path dir;

    private ScriptedUpstream upstream;
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

    private static String chunkEvent(String content) {
        return "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":"
                + "[{\"index\":0,\"delta\":{\"content\":\"" + content + "\"}}]}";
    }

    private static final String USAGE_EVENT = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\","
            + "\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":41,\"completion_tokens\":6,"
            + "\"total_tokens\":47}}";

    private void openAi(String head, List<byte[]> pieces) throws IOException {
        upstream = new ScriptedUpstream(head, pieces);
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_OPENAI_BASE_URL", upstream.base() + "/v1"));
    }

    /** What the client read: status, request id, body, and whether the body ended with an error. */
    private record Read(int status, String requestId, String body, IOException error) {}

    private Read call(String body) throws Exception {
        HttpResponse<InputStream> response =
                gw.http.send(gw.post("/v1/chat/completions", body).build(), HttpResponse.BodyHandlers.ofInputStream());
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        IOException error = null;
        try (InputStream in = response.body()) {
            in.transferTo(seen);
        } catch (IOException e) {
            error = e;
        }
        return new Read(
                response.statusCode(),
                response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow(),
                seen.toString(StandardCharsets.UTF_8),
                error);
    }

    /**
     * WHATWG HTML, "Server-sent events", 9.2.5: lines of an event stream "must be separated by either a CRLF pair, a
     * single LF, or a single CR". A stream whose lines end in CR alone is a whole, valid stream: the client must get
     * it as sent, ending cleanly, and the record must carry the provider's usage.
     */
    @Test
    @Timeout(30)
    void crOnlyLineEndings_streamRelayedWholeAndProviderUsageRecorded() throws Exception {
        String body = "data: " + chunkEvent("Hel") + "\r\r" + "data: " + chunkEvent("lo") + "\r\r" + "data: "
                + USAGE_EVENT + "\r\r" + "data: [DONE]\r\r";
        openAi(SSE_HEAD, List.of(ScriptedUpstream.chunk(body), ScriptedUpstream.LAST_CHUNK));

        Read read = call(CHAT_ASKING_USAGE);

        assertThat(read.status()).isEqualTo(200);
        assertThat(read.error()).as("the client's stream ends cleanly").isNull();
        assertThat(read.body()).isEqualTo(body);
        UsageRecord r = gw.record(read.requestId());
        assertThat(r.errorType()).isNull();
        assertThat(r.usageSource()).isEqualTo(UsageSource.PROVIDER);
        assertThat(r.tokens().inputTokens()).isEqualTo(41);
        assertThat(r.tokens().outputTokens()).isEqualTo(6);
    }

    /** Split inside "data:", inside a multi-byte character, and between CR and LF of the blank line. */
    @Test
    @Timeout(30)
    void eventsSplitAtAwkwardPlaces_usageRecorded() throws Exception {
        String body = "data: " + chunkEvent("h\u00e9llo \u20ac\uD83D\uDE00") + "\r\n\r\n" + ": ping\r\n\r\n"
                + "event: x\r\n\r\n" + "data: " + USAGE_EVENT + "\r\n\r\n" + "data: [DONE]\r\n\r\n";
        byte[] all = body.getBytes(StandardCharsets.UTF_8);
        int usage = indexOf(
                all,
                "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[]");
        int[] cuts = {
            2, // inside "data:"
            indexOf(all, "h\u00e9") + 2, // inside the two bytes of e-acute
            indexOf(all, "\uD83D\uDE00") + 2, // inside the four bytes of the emoji
            usage + 2, // inside the usage event's "data:"
            indexOf(all, "}}\r\n\r\ndata: [DONE]") + 5, // between CR and LF of its blank line
        };
        List<byte[]> pieces = new ArrayList<>();
        int from = 0;
        for (int cut : cuts) {
            pieces.add(ScriptedUpstream.chunk(Arrays.copyOfRange(all, from, cut)));
            from = cut;
        }
        pieces.add(ScriptedUpstream.chunk(Arrays.copyOfRange(all, from, all.length)));
        pieces.add(ScriptedUpstream.LAST_CHUNK);
        openAi(SSE_HEAD, pieces);

        Read read = call(CHAT_ASKING_USAGE);

        assertThat(read.error()).isNull();
        assertThat(read.body()).isEqualTo(body);
        UsageRecord r = gw.record(read.requestId());
        assertThat(r.usageSource()).isEqualTo(UsageSource.PROVIDER);
        assertThat(r.tokens().inputTokens()).isEqualTo(41);
    }

    private static int indexOf(byte[] haystack, String needle) {
        byte[] n = needle.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i + n.length <= haystack.length; i++) {
            for (int j = 0; j < n.length; j++) {
                if (haystack[i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found: " + needle);
    }

    /** A gzipped stream, its members flushed per event. */
    @Test
    @Timeout(30)
    void gzippedStream_decodedAndUsageRecorded() throws Exception {
        String body = "data: " + chunkEvent("Hel") + "\n\n" + "data: " + USAGE_EVENT + "\n\n" + "data: [DONE]\n\n";
        ByteArrayOutputStream zipped = new ByteArrayOutputStream();
        List<byte[]> pieces = new ArrayList<>();
        try (GZIPOutputStream gz = new GZIPOutputStream(zipped, true)) {
            for (String part : body.split("(?<=\n\n)")) {
                gz.write(part.getBytes(StandardCharsets.UTF_8));
                gz.flush();
                pieces.add(ScriptedUpstream.chunk(zipped.toByteArray()));
                zipped.reset();
            }
        }
        pieces.add(ScriptedUpstream.chunk(zipped.toByteArray()));
        pieces.add(ScriptedUpstream.LAST_CHUNK);
        openAi(
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n",
                pieces);

        Read read = call(CHAT_ASKING_USAGE);

        assertThat(read.error()).isNull();
        assertThat(read.body()).isEqualTo(body);
        UsageRecord r = gw.record(read.requestId());
        assertThat(r.usageSource()).isEqualTo(UsageSource.PROVIDER);
    }

    /**
     * README "Endpoints": "The upstream's status, body and headers come back unchanged"; only a gzipped answer is
     * decoded. An answer in another coding (here {@code deflate}) reaches the client either decoded or with its
     * {@code Content-Encoding}; bytes in a coding the client is not told about cannot be read.
     */
    @Test
    @Timeout(30)
    void deflateCodedAnswer_clientCanReadIt() throws Exception {
        String json =
                "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
                        + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":\"stop\"}],"
                        + "\"usage\":{\"prompt_tokens\":41,\"completion_tokens\":6,\"total_tokens\":47}}";
        ByteArrayOutputStream coded = new ByteArrayOutputStream();
        try (DeflaterOutputStream out = new DeflaterOutputStream(coded, new Deflater())) {
            out.write(json.getBytes(StandardCharsets.UTF_8));
        }
        byte[] bytes = coded.toByteArray();
        openAi(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: deflate\r\nContent-Length: "
                        + bytes.length + "\r\n\r\n",
                List.of(bytes));

        HttpResponse<byte[]> response = gw.http.send(
                gw.post(
                                "/v1/chat/completions",
                                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        String coding = response.headers().firstValue("content-encoding").orElse(null);
        if (coding == null) {
            assertThat(new String(response.body(), StandardCharsets.UTF_8))
                    .as("no Content-Encoding: the body must be the JSON itself")
                    .isEqualTo(json);
        } else {
            assertThat(coding).isEqualToIgnoringCase("deflate");
            assertThat(response.body()).isEqualTo(bytes);
        }
    }

    /**
     * The brief's promise (README "Cut streams", common rule "a call answered is a call recorded") and the money: a
     * client that leaves mid-stream is recorded once, and the provider's connection is closed so the provider stops
     * generating (and billing) the answer nobody will read. The provider here is thinking (sends nothing) when the
     * client leaves; the gateway must close its connection without waiting for the provider's next event.
     */
    @Test
    @Timeout(60)
    void clientLeavesWhileProviderSilent_providerConnectionClosed_oneRecord() throws Exception {
        List<byte[]> pieces = new ArrayList<>();
        pieces.add(ScriptedUpstream.chunk("data: " + chunkEvent("Hel") + "\n\n"));
        pieces.add(ScriptedUpstream.chunk("data: " + chunkEvent("lo") + "\n\n"));
        pieces.add(ScriptedUpstream.chunk("data: " + chunkEvent(" again") + "\n\n"));
        pieces.add(ScriptedUpstream.chunk("data: " + USAGE_EVENT + "\n\n"));
        pieces.add(ScriptedUpstream.chunk("data: [DONE]\n\n"));
        pieces.add(ScriptedUpstream.LAST_CHUNK);
        openAi(SSE_HEAD, pieces);
        upstream.holdAfter(1, 8_000);

        String requestId;
        try (Socket client = new Socket("127.0.0.1", gw.server.port())) {
            OutputStream out = client.getOutputStream();
            byte[] body = CHAT_ASKING_USAGE.getBytes(StandardCharsets.UTF_8);
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + gw.secret
                            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = client.getInputStream();
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            while (!seen.toString(StandardCharsets.ISO_8859_1).contains("Hel")) {
                int b = in.read();
                assertThat(b).isNotNegative();
                seen.write(b);
            }
            String text = seen.toString(StandardCharsets.ISO_8859_1);
            int at = text.toLowerCase().indexOf("x-spendgate-request-id: ");
            requestId = text.substring(at + 24, text.indexOf("\r\n", at));
        } // the client leaves

        assertThat(upstream.closedDuringHold())
                .as("the gateway closed the provider's connection while the provider was silent")
                .isTrue();
        UsageRecord r = gw.record(requestId);
        assertThat(r.errorType()).isEqualTo("client_disconnected");
        assertThat(gw.records().stream().filter(x -> x.requestId().equals(requestId)))
                .hasSize(1);
    }

    /**
     * A client that half-closes its connection after the answer began is taken to have left (the provider's side is
     * closed, the call recorded once as client_disconnected). If it is in fact still reading, what it reads must end
     * in an error, never in the clean last chunk of a short answer an SDK would take as whole.
     */
    @Test
    @Timeout(30)
    void clientHalfClosesAfterTheAnswerBegan_neverSeesACleanEndOfAShortAnswer() throws Exception {
        List<byte[]> pieces = new ArrayList<>();
        pieces.add(ScriptedUpstream.chunk("data: " + chunkEvent("Hel") + "\n\n"));
        pieces.add(ScriptedUpstream.chunk("data: " + chunkEvent("lo") + "\n\n"));
        pieces.add(ScriptedUpstream.chunk("data: " + USAGE_EVENT + "\n\n"));
        pieces.add(ScriptedUpstream.chunk("data: [DONE]\n\n"));
        pieces.add(ScriptedUpstream.LAST_CHUNK);
        openAi(SSE_HEAD, pieces);
        upstream.holdAfter(1, 8_000);

        String requestId;
        String after;
        try (Socket client = new Socket("127.0.0.1", gw.server.port())) {
            client.setSoTimeout(20_000);
            OutputStream out = client.getOutputStream();
            byte[] body = CHAT_ASKING_USAGE.getBytes(StandardCharsets.UTF_8);
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + gw.secret
                            + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = client.getInputStream();
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            while (!seen.toString(StandardCharsets.ISO_8859_1).contains("Hel")) {
                int b = in.read();
                assertThat(b).isNotNegative();
                seen.write(b);
            }
            String text = seen.toString(StandardCharsets.ISO_8859_1);
            int at = text.toLowerCase().indexOf("x-spendgate-request-id: ");
            requestId = text.substring(at + 24, text.indexOf("\r\n", at));
            client.shutdownOutput(); // half-closes, and goes on reading
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            try {
                in.transferTo(rest);
            } catch (java.io.IOException e) {
                // reset: an error, as it must be
            }
            after = rest.toString(StandardCharsets.ISO_8859_1);
        }

        assertThat(after).as("no clean last chunk after a short answer").doesNotContain("0\r\n\r\n");
        assertThat(gw.record(requestId).errorType()).isEqualTo("client_disconnected");
    }

    /**
     * README "Configuration": {@code SPENDGATE_UPSTREAM_TIMEOUT_SECONDS} is the longest wait "between two reads of its
     * body or stream". A provider that stalls mid-stream past it is cut: its connection closed, the client told.
     */
    @Test
    @Timeout(60)
    void providerStallsMidStreamPastTheUpstreamTimeout_streamCutAndProviderConnectionClosed() throws Exception {
        List<byte[]> pieces = new ArrayList<>();
        pieces.add(ScriptedUpstream.chunk("data: " + chunkEvent("Hel") + "\n\n"));
        pieces.add(ScriptedUpstream.chunk("data: " + USAGE_EVENT + "\n\n"));
        pieces.add(ScriptedUpstream.chunk("data: [DONE]\n\n"));
        pieces.add(ScriptedUpstream.LAST_CHUNK);
        upstream = new ScriptedUpstream(SSE_HEAD, pieces).holdAfter(1, 10_000);
        gw = GatewayFixture.embedded(
                dir,
                Map.of(
                        "SPENDGATE_OPENAI_BASE_URL",
                        upstream.base() + "/v1",
                        "SPENDGATE_UPSTREAM_TIMEOUT_SECONDS",
                        "2"));

        Read read = call(CHAT_ASKING_USAGE);

        assertThat(read.error()).as("the client sees the cut").isNotNull();
        assertThat(upstream.closedDuringHold()).isTrue();
        assertThat(gw.record(read.requestId()).errorType()).isNotNull();
    }

    /**
     * RFC 9110 8.4.1.3: the gzip coding is the RFC 1952 format, and RFC 1952 2.2: "A gzip file consists of a series of
     * members". An upstream that gzips each flushed event as its own member sends a valid gzip stream; the client must
     * get all of it, decoded, and the call its provider usage.
     */
    @Test
    @Timeout(30)
    void gzippedStream_oneMemberPerEvent_decodedWholeAndUsageRecorded() throws Exception {
        String body = "data: " + chunkEvent("Hel") + "\n\n" + "data: " + USAGE_EVENT + "\n\n" + "data: [DONE]\n\n";
        List<byte[]> pieces = new ArrayList<>();
        for (String part : body.split("(?<=\n\n)")) {
            ByteArrayOutputStream member = new ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(member)) {
                gz.write(part.getBytes(StandardCharsets.UTF_8));
            }
            pieces.add(ScriptedUpstream.chunk(member.toByteArray()));
        }
        pieces.add(ScriptedUpstream.LAST_CHUNK);
        openAi(
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n",
                pieces);

        Read read = call(CHAT_ASKING_USAGE);

        assertThat(read.body()).isEqualTo(body);
        assertThat(read.error()).isNull();
        UsageRecord r = gw.record(read.requestId());
        assertThat(r.usageSource()).isEqualTo(UsageSource.PROVIDER);
        assertThat(r.tokens().inputTokens()).isEqualTo(41);
    }

    /**
     * A client that half-closes its side once its request is sent (RFC 9112 9.6 lets a client close its sending side
     * and still read the answer) gets the whole stream.
     */
    @Test
    @Timeout(30)
    void clientHalfClosesAfterItsRequest_getsTheWholeStream() throws Exception {
        List<byte[]> pieces = new ArrayList<>();
        pieces.add(ScriptedUpstream.chunk("data: " + chunkEvent("Hel") + "\n\n"));
        pieces.add(ScriptedUpstream.chunk("data: " + chunkEvent("lo") + "\n\n"));
        pieces.add(ScriptedUpstream.chunk("data: " + USAGE_EVENT + "\n\n"));
        pieces.add(ScriptedUpstream.chunk("data: [DONE]\n\n"));
        pieces.add(ScriptedUpstream.LAST_CHUNK);
        openAi(SSE_HEAD, pieces);

        String text;
        try (Socket client = new Socket("127.0.0.1", gw.server.port())) {
            client.setSoTimeout(20_000);
            OutputStream out = client.getOutputStream();
            byte[] body = CHAT_ASKING_USAGE.getBytes(StandardCharsets.UTF_8);
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer "
                            + gw.secret + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                            + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            client.shutdownOutput();
            text = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }

        assertThat(text).startsWith("HTTP/1.1 200").contains("[DONE]");
    }
}
