package dev.spendgate.function.proxy.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.function.proxy.admin.AdminApi;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One call into the admin API from inside the gateway, so every change the console makes (budgets, keys) goes through
 * the same validation and the same code as {@code /admin/...} and the CLI. The caller is already authorised.
 */
final class AdminCall {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The admin API's answer: status and JSON body. */
    record Answer(int status, JsonNode body) {
        boolean ok() {
            return status / 100 == 2;
        }

        /** The error message of a 4xx/5xx answer (it names the field). */
        String message() {
            return body.path("error").path("message").asText("The admin API answered " + status + ".");
        }
    }

    private final AdminApi admin;

    AdminCall(AdminApi admin) {
        this.admin = admin;
    }

    Answer get(String path) {
        return send("GET", path, null);
    }

    Answer send(String method, String path, JsonNode body) {
        try {
            byte[] bytes = body == null ? new byte[0] : JSON.writeValueAsBytes(body);
            Headers headers = new Headers().set("Content-Type", "application/json");
            Capture capture = new Capture();
            admin.handleAuthorised(new GatewayRequest(method, path, headers, bytes), capture);
            byte[] answer = capture.out.toByteArray();
            return new Answer(capture.status, answer.length == 0 ? JSON.createObjectNode() : JSON.readTree(answer));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class Capture implements ResponseSink {
        private int status = 500;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        @Override
        public void start(int status, Headers headers, long contentLength) {
            this.status = status;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            out.write(bytes, offset, length);
        }

        @Override
        public void flush() {}

        @Override
        public void end() {}

        @Override
        public void abort() {}
    }
}
