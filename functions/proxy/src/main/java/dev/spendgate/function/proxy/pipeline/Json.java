package dev.spendgate.function.proxy.pipeline;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * Request bodies as the gateway reads them: numbers exact (no double rounding when a body is re-serialised), and one
 * JSON document only: anything after it fails the parse, since the whole body is what gets forwarded. A name given
 * twice in one object fails it too (RFC 8259: names SHOULD be unique; parsers differ on which one wins).
 */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper(pooled())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {}

    /**
     * A JSON factory whose parse and write buffers are shared by all threads. Jackson's default keeps them per
     * thread, and on Java 21+ every call runs on a new virtual thread: that default allocated fresh buffers (about
     * 16 KB) for each parse and each write, four times per call.
     */
    static JsonFactory pooled() {
        return JsonFactory.builder()
                .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
                // a name twice in one object ("model" twice) is refused: providers' parsers differ on which one
                // they take, and the gateway would price one while the provider serves the other
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
    }

    /**
     * A parser factory that takes repeated names, for measuring a body before it is read ({@link JsonTreeSize}):
     * whether a repeated name is refused is the reader's rule, not the measure's.
     */
    static final JsonFactory MEASURING = JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
            .build();

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
