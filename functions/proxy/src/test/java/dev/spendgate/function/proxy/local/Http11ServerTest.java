package dev.spendgate.function.proxy.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.http.Headers;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The wire behaviour of the local HTTP server, over raw sockets. */
class Http11ServerTest {
    private Http11Server server;

    @BeforeEach
    void start() throws IOException {
        // Echoes method, path, the X-Test header and the body; /stream answers chunked in three flushes.
        server = Http11Server.start(
                "127.0.0.1",
                0,
                (request, sink) -> {
                    if (request.path().equals("/stream")) {
                        sink.start(200, new Headers().set("Content-Type", "text/event-stream"), -1);
                        for (int i = 0; i < 3; i++) {
                            sink.write(("data: " + i + "\n\n").getBytes(StandardCharsets.UTF_8));
                            sink.flush();
                        }
                        sink.end();
                        return;
                    }
                    byte[] body = (request.method() + " " + request.path() + " "
                                    + request.headers().first("X-Test") + " "
                                    + new String(request.body(), StandardCharsets.UTF_8))
                            .getBytes(StandardCharsets.UTF_8);
                    sink.start(200, new Headers().set("Content-Type", "text/plain"), body.length);
                    sink.write(body);
                    sink.end();
                },
                64,
                8,
                5_000,
                LocalGatewayServer.virtualThreadFactory());
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    @Timeout(10)
    void stop_idleKeepAliveConnection_doesNotHoldTheGracePeriod() throws IOException {
        try (Socket s = connect()) {
            send(s, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi");
            assertThat(readResponse(reader(s))).endsWith("POST /a null hi");
            long start = System.nanoTime();

            server.stop(5);

            assertThat(System.nanoTime() - start).isLessThan(2_000_000_000L);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    @Timeout(10)
    void idleConnection_closedAfterTheIdleTimeout() throws IOException {
        Http11Server quick = Http11Server.start(
                "127.0.0.1",
                0,
                (request, sink) -> sink.start(204, new Headers(), 0),
                64,
                8,
                300,
                LocalGatewayServer.virtualThreadFactory());
        try (Socket s = new Socket("127.0.0.1", quick.address().getPort())) {
            s.setSoTimeout(5_000);
            long start = System.nanoTime();

            assertThat(s.getInputStream().read()).isEqualTo(-1); // closed by the server, nothing sent
            assertThat(System.nanoTime() - start).isGreaterThan(250_000_000L);
        } finally {
            quick.stop(0);
        }
    }

    @Test
    void keepAlive_twoRequestsOnOneConnection_bothAnswered() throws IOException {
        try (Socket s = connect()) {
            send(
                    s,
                    "POST /a HTTP/1.1\r\nHost: x\r\nX-Test: one\r\nContent-Length: 5\r\n\r\nhello"
                            + "POST /b HTTP/1.1\r\nHost: x\r\nX-Test: two\r\nContent-Length: 3\r\n\r\nbye");
            BufferedReader in = reader(s);
            assertThat(readResponse(in)).endsWith("POST /a one hello");
            assertThat(readResponse(in)).endsWith("POST /b two bye");
        }
    }

    @Test
    void chunkedRequestBody_isReassembled() throws IOException {
        try (Socket s = connect()) {
            send(
                    s,
                    "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "4\r\nspen\r\n5;ext=1\r\ndgate\r\n0\r\n\r\n");
            assertThat(readResponse(reader(s))).endsWith("POST /c null spendgate");
        }
    }

    @Test
    void expectContinue_getsInterimResponseBeforeTheBodyIsSent() throws IOException {
        try (Socket s = connect()) {
            send(s, "POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
            BufferedReader in = reader(s);
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 100 Continue");
            assertThat(in.readLine()).isEmpty();
            send(s, "ok");
            assertThat(readResponse(in)).endsWith("POST /e null ok");
        }
    }

    @Test
    void unknownLengthResponse_isChunkedOverHttp11() throws IOException {
        try (Socket s = connect()) {
            send(s, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
            BufferedReader in = reader(s);
            List<String> lines = new ArrayList<>();
            for (String line = in.readLine(); line != null && !line.equals("0"); line = in.readLine()) {
                lines.add(line);
            }
            assertThat(lines).contains("Transfer-Encoding: chunked", "data: 0", "data: 1", "data: 2");
        }
    }

    @Test
    void malformedRequestLine_is400AndTheConnectionCloses() throws IOException {
        try (Socket s = connect()) {
            send(s, "NONSENSE\r\n\r\n");
            BufferedReader in = reader(s);
            assertThat(in.readLine()).startsWith("HTTP/1.1 400");
            while (in.readLine() != null) {
                // drain to the close
            }
        }
    }

    @Test
    void http10_withoutKeepAlive_isAnsweredAndClosed() throws IOException {
        try (Socket s = connect()) {
            send(s, "POST /old HTTP/1.0\r\nContent-Length: 1\r\n\r\nx");
            BufferedReader in = reader(s);
            assertThat(readResponse(in)).endsWith("POST /old null x");
            assertThat(in.readLine()).isNull();
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", server.address().getPort());
        s.setSoTimeout(5_000);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static BufferedReader reader(Socket s) throws IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
    }

    /** Reads one Content-Length response and returns its status line and body. */
    private static String readResponse(BufferedReader in) throws IOException {
        String status = in.readLine();
        int length = 0;
        for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        char[] body = new char[length];
        int read = 0;
        while (read < length) {
            read += in.read(body, read, length - read);
        }
        return status + " | " + new String(body);
    }
}
