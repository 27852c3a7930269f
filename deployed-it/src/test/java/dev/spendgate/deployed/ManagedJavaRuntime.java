package dev.spendgate.deployed;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.Map;

/**
 * A stand-in for Lambda's managed Java runtime ({@code java21}), run as the main class of a function's JVM: reads
 * {@code _HANDLER} ({@code package.Class::method}), builds the class with its no-argument constructor once, and
 * answers events from the Runtime API with {@code handleRequest(Map, Context)} turned into JSON, as the managed
 * runtime does for a {@code RequestHandler<Map<String, Object>, ?>}. A handler that throws is reported as an
 * invocation error, one that cannot be built as an init error.
 */
public final class ManagedJavaRuntime {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ManagedJavaRuntime() {}

    public static void main(String[] args) throws Exception {
        String api = "http://" + System.getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime";
        String handler = System.getenv("_HANDLER");
        Object instance;
        Method method;
        try {
            String[] parts = handler.split("::", 2);
            Class<?> type = Class.forName(parts[0]);
            instance = type.getConstructor().newInstance();
            method = type.getMethod(parts.length == 2 ? parts[1] : "handleRequest", Map.class, Context.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            post(api + "/init/error", error(cause), "Runtime.InitError");
            System.exit(1);
            return;
        }
        while (true) {
            HttpURLConnection next = (HttpURLConnection)
                    URI.create(api + "/invocation/next").toURL().openConnection();
            next.setReadTimeout(0);
            String requestId = next.getHeaderField("Lambda-Runtime-Aws-Request-Id");
            byte[] event;
            try (InputStream in = next.getInputStream()) {
                event = in.readAllBytes();
            }
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> input = JSON.readValue(event, Map.class);
                Object result = method.invoke(instance, input, new LocalContext(requestId));
                post(api + "/invocation/" + requestId + "/response", JSON.writeValueAsBytes(result), null);
            } catch (ReflectiveOperationException | RuntimeException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                cause.printStackTrace();
                post(api + "/invocation/" + requestId + "/error", error(cause), "Runtime.Unhandled");
            }
        }
    }

    private static byte[] error(Throwable e) throws Exception {
        return JSON.writeValueAsBytes(
                Map.of("errorType", e.getClass().getName(), "errorMessage", String.valueOf(e.getMessage())));
    }

    private static void post(String url, byte[] body, String errorType) throws Exception {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        if (errorType != null) {
            c.setRequestProperty("Lambda-Runtime-Function-Error-Type", errorType);
        }
        c.setRequestProperty("Content-Type", "application/json");
        try (OutputStream out = c.getOutputStream()) {
            out.write(body);
        }
        c.getResponseCode();
        c.disconnect();
    }

    private record LocalContext(String requestId) implements Context {
        @Override
        public String getAwsRequestId() {
            return requestId;
        }

        @Override
        public String getLogGroupName() {
            return "/aws/lambda/" + getFunctionName();
        }

        @Override
        public String getLogStreamName() {
            return "local";
        }

        @Override
        public String getFunctionName() {
            return System.getenv("AWS_LAMBDA_FUNCTION_NAME");
        }

        @Override
        public String getFunctionVersion() {
            return "1";
        }

        @Override
        public String getInvokedFunctionArn() {
            return "arn:aws:lambda:local:000000000000:function:" + getFunctionName() + ":live";
        }

        @Override
        public CognitoIdentity getIdentity() {
            return null;
        }

        @Override
        public ClientContext getClientContext() {
            return null;
        }

        @Override
        public int getRemainingTimeInMillis() {
            return 600_000;
        }

        @Override
        public int getMemoryLimitInMB() {
            return Integer.parseInt(System.getenv().getOrDefault("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"));
        }

        @Override
        public LambdaLogger getLogger() {
            return new LambdaLogger() {
                @Override
                public void log(String message) {
                    System.out.print(message);
                }

                @Override
                public void log(byte[] message) {
                    System.out.write(message, 0, message.length);
                }
            };
        }
    }
}
