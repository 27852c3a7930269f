package dev.spendgate.function.proxy.lambda.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Lambda's developer guide, "Implementing response streaming in a custom runtime": the {@code /invocation/{id}/error}
 * endpoint "can only be called before the runtime begins sending an invocation response". When the bootstrap fails
 * before its answer's first byte it reports the invocation failed there; nothing of a {@code /response} POST may have
 * reached the Runtime API by then, or Lambda gets a broken response and an error it does not take.
 */
class InvocationErrorBeforeResponseIT {

    @Test
    void respond_failedBeforeThePrelude_errorReportedWithNoResponseBegun() throws Exception {
        try (ServerSocket runtimeApi = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<String> requests = new CopyOnWriteArrayList<>();
            Thread.ofPlatform().daemon().start(() -> serve(runtimeApi, requests));
            RuntimeApiClient api = new RuntimeApiClient("127.0.0.1:" + runtimeApi.getLocalPort());

            // what the bootstrap does for a call that fails before its answer's first byte
            StreamingResponse response = api.respond("req-1");
            response.abort();
            api.error("req-1", "Runtime.HandlerError", "Spendgate failed to handle the call.");

            assertThat(requests)
                    .as("requests that reached the Runtime API, in order")
                    .containsExactly("POST /2018-06-01/runtime/invocation/req-1/error HTTP/1.1");
        }
    }

    /** One connection at a time, in the order they were made: records each request line, accepts each error. */
    private static void serve(ServerSocket server, List<String> requests) {
        while (!server.isClosed()) {
            try (Socket connection = server.accept()) {
                InputStream in = connection.getInputStream();
                String line = line(in);
                requests.add(line);
                int length = 0;
                for (String header = line(in); !header.isEmpty(); header = line(in)) {
                    if (header.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(header.substring(15).trim());
                    }
                }
                if (line.contains("/error ")) {
                    in.readNBytes(length);
                    OutputStream out = connection.getOutputStream();
                    out.write("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } else {
                    in.readAllBytes(); // a streamed response: until the runtime closes it
                }
            } catch (IOException e) {
                return;
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder out = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                out.append((char) c);
            }
        }
        return out.toString();
    }
}
