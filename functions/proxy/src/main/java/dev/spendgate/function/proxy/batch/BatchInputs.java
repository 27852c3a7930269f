package dev.spendgate.function.proxy.batch;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.function.proxy.budget.CostEstimator;
import dev.spendgate.function.proxy.http.RequestLimits;
import dev.spendgate.function.proxy.upstream.Endpoint;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads what a batch will ask for before it is created: the JSONL input file of an OpenAI batch (uploaded as
 * {@code multipart/form-data} to {@code /v1/files} with {@code purpose=batch}), or the {@code requests} of an
 * Anthropic Message Batch, and prices its worst case at the batch tier ({@link CostEstimator}: every input token at
 * full price, each request's output cap). Each request's caps, {@code n}, model and service tier are held to
 * {@link RequestLimits} as a single call's are: a bad one is a 400 naming it and its line.
 */
final class BatchInputs {
    /** Reads only client input (a line with a second document after the first is not one request). */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final CostEstimator estimator;

    BatchInputs(CostEstimator estimator) {
        this.estimator = estimator;
    }

    /** Input that cannot be read: the message names the field (and the line of a JSONL file). */
    static final class BadInput extends RuntimeException {
        final String param;

        BadInput(String param, String message) {
            super(message);
            this.param = param;
        }
    }

    /** The parts of an upload the gateway reads: {@code purpose} and the {@code file} bytes (null when absent). */
    record Upload(String purpose, byte[] file) {}

    /** The worst case of an OpenAI batch input file: one request per line ({@code custom_id}, {@code url}, {@code body}). */
    BatchStore.FileWorstCase openAiFile(byte[] jsonl, String pricingProvider) {
        BigDecimal total = BigDecimal.ZERO;
        boolean priced = true;
        int lines = 0;
        String model = null;
        int number = 0;
        for (String line : new String(jsonl, StandardCharsets.UTF_8).split("\n")) {
            number++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (IOException e) {
                throw new BadInput("file", "Line " + number + " of the batch file is not valid JSON.");
            }
            Optional<Endpoint> endpoint = Endpoint.forPath(n.path("url").asText(""));
            JsonNode body = n.path("body");
            if (endpoint.isEmpty()
                    || endpoint.get().format() != dev.spendgate.function.proxy.upstream.ApiFormat.OPENAI) {
                throw new BadInput(
                        "file",
                        "Line " + number + " of the batch file has url '"
                                + n.path("url").asText("")
                                + "'; use /v1/chat/completions, /v1/responses or /v1/embeddings.");
            }
            if (!body.isObject() || !body.path("model").isTextual()) {
                throw new BadInput("file", "Line " + number + " of the batch file has no body.model.");
            }
            Optional<RequestLimits.Invalid> outOfBounds =
                    RequestLimits.check(body, body.get("model").asText());
            if (outOfBounds.isPresent()) {
                throw new BadInput(
                        "file",
                        "Line " + number + " of the batch file, body: "
                                + outOfBounds.get().message());
            }
            lines++;
            model = model == null ? body.get("model").asText() : model;
            Optional<BigDecimal> worst = estimator.estimateBatchRequest(
                    pricingProvider, body.get("model").asText(), endpoint.get(), body);
            if (worst.isEmpty()) {
                priced = false;
            } else {
                total = total.add(worst.get());
            }
        }
        return new BatchStore.FileWorstCase(priced ? Optional.of(total) : Optional.empty(), lines, model);
    }

    /** The worst case of an Anthropic Message Batch: {@code requests[].params}. */
    BatchStore.FileWorstCase anthropicRequests(JsonNode body, String pricingProvider) {
        JsonNode requests = body.path("requests");
        if (!requests.isArray() || requests.isEmpty()) {
            throw new BadInput("requests", "requests must be a non-empty array of {custom_id, params}.");
        }
        BigDecimal total = BigDecimal.ZERO;
        boolean priced = true;
        String model = null;
        for (int i = 0; i < requests.size(); i++) {
            JsonNode params = requests.get(i).path("params");
            if (!params.isObject() || !params.path("model").isTextual()) {
                throw new BadInput("requests[" + i + "].params.model", "requests[" + i + "].params.model is missing.");
            }
            Optional<RequestLimits.Invalid> outOfBounds =
                    RequestLimits.check(params, params.get("model").asText());
            if (outOfBounds.isPresent()) {
                String field = "requests[" + i + "].params." + outOfBounds.get().field();
                throw new BadInput(field, field + ": " + outOfBounds.get().message());
            }
            model = model == null ? params.get("model").asText() : model;
            Optional<BigDecimal> worst = estimator.estimateBatchRequest(
                    pricingProvider, params.get("model").asText(), Endpoint.MESSAGES, params);
            if (worst.isEmpty()) {
                priced = false;
            } else {
                total = total.add(worst.get());
            }
        }
        return new BatchStore.FileWorstCase(priced ? Optional.of(total) : Optional.empty(), requests.size(), model);
    }

    /** The {@code purpose} and {@code file} parts of a {@code multipart/form-data} body. */
    static Upload multipart(String contentType, byte[] body) {
        String boundary = boundary(contentType);
        if (boundary == null) {
            throw new BadInput("file", "Upload the file as multipart/form-data with a boundary.");
        }
        // ISO-8859-1 maps each byte to one char, so offsets in the string are offsets in the bytes
        String text = new String(body, StandardCharsets.ISO_8859_1);
        String delimiter = "--" + boundary;
        String purpose = null;
        byte[] file = null;
        int at = text.indexOf(delimiter);
        while (at >= 0) {
            int start = at + delimiter.length();
            if (text.startsWith("--", start)) {
                break;
            }
            int headersEnd = text.indexOf("\r\n\r\n", start);
            int next = text.indexOf("\r\n" + delimiter, headersEnd < 0 ? start : headersEnd);
            if (headersEnd < 0 || next < 0) {
                throw new BadInput("file", "The multipart body is cut short.");
            }
            String partHeaders = text.substring(start, headersEnd).toLowerCase(Locale.ROOT);
            int contentStart = headersEnd + 4;
            if (partHeaders.contains("name=\"purpose\"")) {
                purpose = new String(body, contentStart, next - contentStart, StandardCharsets.UTF_8).trim();
            } else if (partHeaders.contains("name=\"file\"")) {
                file = java.util.Arrays.copyOfRange(body, contentStart, next);
            }
            at = next + 2;
        }
        return new Upload(purpose, file);
    }

    private static String boundary(String contentType) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            return null;
        }
        for (String part : contentType.split(";")) {
            String p = part.trim();
            if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String b = p.substring("boundary=".length());
                return b.startsWith("\"") && b.endsWith("\"") && b.length() > 1 ? b.substring(1, b.length() - 1) : b;
            }
        }
        return null;
    }
}
