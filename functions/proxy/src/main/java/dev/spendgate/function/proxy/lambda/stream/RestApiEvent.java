package dev.spendgate.function.proxy.lambda.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.lambda.EventQuery;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An API Gateway REST proxy event (the same shape whether the integration streams or not), read with the tree model
 * so only the fields the gateway needs are touched.
 */
record RestApiEvent(GatewayRequest request, String pathWithQuery, String callerArn) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Throws {@link IllegalArgumentException} when the bytes are not a REST proxy event. */
    static RestApiEvent parse(byte[] event) {
        JsonNode root;
        try {
            root = JSON.readTree(event);
        } catch (IOException e) {
            throw new IllegalArgumentException("the event is not JSON");
        }
        if (root == null || !root.isObject() || !root.path("httpMethod").isTextual()) {
            throw new IllegalArgumentException("the event is not an API Gateway REST proxy event");
        }
        Headers headers = new Headers();
        JsonNode multi = root.path("multiValueHeaders");
        if (multi.isObject() && multi.size() > 0) {
            multi.fields().forEachRemaining(e -> e.getValue().forEach(v -> headers.add(e.getKey(), v.asText())));
        } else {
            root.path("headers")
                    .fields()
                    .forEachRemaining(e -> headers.add(e.getKey(), e.getValue().asText()));
        }
        JsonNode bodyNode = root.path("body");
        byte[] body = !bodyNode.isTextual()
                ? new byte[0]
                : root.path("isBase64Encoded").asBoolean(false)
                        ? Base64.getDecoder().decode(bodyNode.asText())
                        : bodyNode.asText().getBytes(StandardCharsets.UTF_8);
        String path = root.path("path").isTextual() ? root.path("path").asText() : "/";
        String method = root.path("httpMethod").asText();
        JsonNode arn = root.path("requestContext").path("identity").path("userArn");
        return new RestApiEvent(
                new GatewayRequest(method, path, headers, body),
                withQuery(path, root),
                arn.isTextual() && !arn.asText().isBlank() ? arn.asText() : null);
    }

    private static String withQuery(String path, JsonNode root) {
        Map<String, List<String>> multi = new LinkedHashMap<>();
        root.path("multiValueQueryStringParameters").fields().forEachRemaining(e -> {
            List<String> values = new ArrayList<>();
            if (e.getValue().isArray()) {
                e.getValue().forEach(v -> values.add(v.isNull() ? null : v.asText()));
            }
            multi.put(e.getKey(), values);
        });
        Map<String, String> single = new LinkedHashMap<>();
        root.path("queryStringParameters")
                .fields()
                .forEachRemaining(e -> single.put(
                        e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
        return EventQuery.withQuery(path, multi, single);
    }
}
