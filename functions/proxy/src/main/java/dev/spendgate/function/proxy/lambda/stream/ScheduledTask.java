package dev.spendgate.function.proxy.lambda.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;

/**
 * An invocation of the proxy that is not an API call but a task the stack schedules: the event is {@code
 * {"spendgate_task": "<name>"}}, sent by EventBridge Scheduler (the stack's {@code BatchResultsSweep}), or by an
 * operator with {@code aws lambda invoke}. Only a caller allowed to invoke the function can send one: API Gateway
 * wraps every client request in a REST proxy event.
 */
enum ScheduledTask {
    /**
     * Records the results of ended provider batches that no client fetched through the gateway ({@link
     * dev.spendgate.function.proxy.batch.BatchApi#sweepEnded}).
     */
    BATCH_RESULTS_SWEEP("batch_results_sweep");

    /** The event's field naming the task. */
    static final String FIELD = "spendgate_task";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String wireName;

    ScheduledTask(String wireName) {
        this.wireName = wireName;
    }

    String wireName() {
        return wireName;
    }

    /**
     * The task {@code event} names; empty when it names none (not JSON, not an object, no {@value #FIELD}).
     *
     * @throws IllegalArgumentException when it names a task this version does not know
     */
    static Optional<ScheduledTask> of(byte[] event) {
        JsonNode root;
        try {
            root = JSON.readTree(event);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (root == null || !root.isObject() || !root.has(FIELD)) {
            return Optional.empty();
        }
        String name = root.path(FIELD).asText("");
        for (ScheduledTask t : values()) {
            if (t.wireName.equals(name)) {
                return Optional.of(t);
            }
        }
        throw new IllegalArgumentException(FIELD + " names no task this gateway runs: '" + name + "'");
    }
}
