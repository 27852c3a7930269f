package dev.spendgate.deployed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small stand-in for the API Gateway REST API of the template: serves {@code /<stage>/...}, matches each request
 * against the template's methods ({@code {proxy+}} greedy, {@code ANY}), refuses like API Gateway when nothing matches
 * or an {@code AWS_IAM} method gets an unsigned request (a request counts as signed when it carries
 * {@value #IAM_CALLER_HEADER}, the caller's ARN, standing in for SigV4), turns the request into the REST proxy event
 * and relays the function's answer: for a {@code STREAM} integration, the JSON prelude, eight NUL bytes and the body
 * as it arrives; otherwise the buffered proxy response.
 */
final class LocalRestApi implements AutoCloseable {
    static final String IAM_CALLER_HEADER = "X-Local-Iam-Caller";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final String stage;
    private final List<DeployedTemplate.Route> routes;
    private final Map<String, LocalLambda> functions;
    private final AtomicLong requests = new AtomicLong();

    LocalRestApi(String stage, List<DeployedTemplate.Route> routes, Map<String, LocalLambda> functions)
            throws IOException {
        this.stage = stage;
        this.routes = List.copyOf(routes);
        this.functions = Map.copyOf(functions);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "local-rest-api");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** The invoke URL, e.g. {@code http://127.0.0.1:PORT/prod}. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + stage;
    }

    /** Requests API Gateway would have billed (every request that reached a stage). */
    long requests() {
        return requests.get();
    }

    /** The invocation of the last request answered, for timings. */
    volatile LocalLambda.Invocation last;

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String rawPath = exchange.getRequestURI().getRawPath();
            String prefix = "/" + stage;
            if (!rawPath.startsWith(prefix + "/")) {
                reply(exchange, 403, "{\"message\":\"Forbidden\"}");
                return;
            }
            requests.incrementAndGet();
            String path = rawPath.substring(prefix.length());
            String method = exchange.getRequestMethod();
            DeployedTemplate.Route route = routes.stream()
                    .filter(r -> (r.method().equals("ANY") || r.method().equals(method)) && matches(r.path(), path))
                    .findFirst()
                    .orElse(null);
            if (route == null) {
                reply(exchange, 403, "{\"message\":\"Missing Authentication Token\"}");
                return;
            }
            String caller = exchange.getRequestHeaders().getFirst(IAM_CALLER_HEADER);
            if ("AWS_IAM".equals(route.authorization()) && caller == null) {
                reply(exchange, 403, "{\"message\":\"Missing Authentication Token\"}");
                return;
            }
            LocalLambda function = functions.get(route.function());
            if (function == null) {
                reply(exchange, 500, "{\"message\":\"no local environment for " + route.function() + "\"}");
                return;
            }
            byte[] body = exchange.getRequestBody().readAllBytes();
            LocalLambda.Invocation inv = function.invoke(event(exchange, route, path, body, caller));
            last = inv;
            InputStream answer = inv.body;
            if (route.streaming()) {
                relayStream(exchange, inv, answer);
            } else {
                JsonNode r = JSON.readTree(answer.readAllBytes());
                byte[] out = r.path("isBase64Encoded").asBoolean(false)
                        ? Base64.getDecoder().decode(r.path("body").asText(""))
                        : r.path("body").asText("").getBytes(StandardCharsets.UTF_8);
                r.path("headers").fields().forEachRemaining(e -> exchange.getResponseHeaders()
                        .add(e.getKey(), e.getValue().asText()));
                exchange.sendResponseHeaders(r.path("statusCode").asInt(502), out.length == 0 ? -1 : out.length);
                exchange.getResponseBody().write(out);
            }
        }
    }

    private static void relayStream(HttpExchange exchange, LocalLambda.Invocation inv, InputStream in)
            throws IOException {
        ByteArrayOutputStream prelude = new ByteArrayOutputStream();
        int zeros = 0;
        int b;
        while (zeros < 8 && (b = in.read()) != -1) {
            if (b == 0) {
                zeros++;
            } else {
                for (; zeros > 0; zeros--) {
                    prelude.write(0);
                }
                prelude.write(b);
            }
        }
        if (zeros < 8 || inv.errorType.get() != null) {
            reply(exchange, 502, "{\"message\":\"Internal server error\"}");
            return;
        }
        JsonNode head = JSON.readTree(prelude.toByteArray());
        head.path("headers").fields().forEachRemaining(e -> exchange.getResponseHeaders()
                .add(e.getKey(), e.getValue().asText()));
        exchange.sendResponseHeaders(head.path("statusCode").asInt(200), 0);
        OutputStream out = exchange.getResponseBody();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) != -1) {
            out.write(buf, 0, n);
            out.flush();
        }
    }

    /** Percent-decoding only: a {@code +} in a path is a plus, not a space as in a form ({@link URLDecoder}). */
    private static String decodePath(String raw) {
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static boolean matches(String pattern, String path) {
        if (pattern.endsWith("/{proxy+}")) {
            String base = pattern.substring(0, pattern.length() - "{proxy+}".length());
            return path.startsWith(base) && path.length() > base.length();
        }
        return pattern.equals(path);
    }

    private byte[] event(HttpExchange exchange, DeployedTemplate.Route route, String path, byte[] body, String caller)
            throws IOException {
        ObjectNode e = JSON.createObjectNode();
        e.put("resource", route.path());
        // A REST API passes the path as the client sent it, percent-encoded; path parameters come decoded.
        e.put("path", path);
        e.put("httpMethod", exchange.getRequestMethod());
        ObjectNode headers = e.putObject("headers");
        ObjectNode multi = e.putObject("multiValueHeaders");
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (name.equalsIgnoreCase(IAM_CALLER_HEADER)) {
                return;
            }
            headers.put(name, values.get(values.size() - 1));
            values.forEach(v -> multi.withArray(name).add(v));
        });
        String query = exchange.getRequestURI().getRawQuery();
        if (query == null) {
            e.putNull("queryStringParameters");
            e.putNull("multiValueQueryStringParameters");
        } else {
            ObjectNode q = e.putObject("queryStringParameters");
            ObjectNode mq = e.putObject("multiValueQueryStringParameters");
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                q.put(k, v);
                mq.withArray(k).add(v);
            }
        }
        if (route.path().endsWith("/{proxy+}")) {
            String base = route.path().substring(0, route.path().length() - "{proxy+}".length());
            e.putObject("pathParameters").put("proxy", decodePath(path.substring(base.length())));
        } else {
            e.putNull("pathParameters");
        }
        ObjectNode context = e.putObject("requestContext");
        context.put("stage", stage);
        context.put("requestId", UUID.randomUUID().toString());
        context.put("resourcePath", route.path());
        context.put("httpMethod", exchange.getRequestMethod());
        ObjectNode identity = context.putObject("identity");
        identity.put("sourceIp", exchange.getRemoteAddress().getAddress().getHostAddress());
        if (caller != null && "AWS_IAM".equals(route.authorization())) {
            identity.put("userArn", caller);
        }
        if (body.length == 0) {
            e.putNull("body");
            e.put("isBase64Encoded", false);
        } else if (textual(body)) {
            // the stack sets no binaryMediaTypes, so API Gateway passes a text body (JSON) as it is, not in base64
            e.put("body", new String(body, StandardCharsets.UTF_8));
            e.put("isBase64Encoded", false);
        } else {
            e.put("body", Base64.getEncoder().encodeToString(body));
            e.put("isBase64Encoded", true);
        }
        return JSON.writeValueAsBytes(e);
    }

    /** Valid UTF-8: what API Gateway, with no binary media types, hands to Lambda as a plain string. */
    private static boolean textual(byte[] body) {
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(body));
            return true;
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    private static void reply(HttpExchange exchange, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, b.length);
        exchange.getResponseBody().write(b);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
