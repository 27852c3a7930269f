package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.cache.CachedAnswer;
import dev.spendgate.domain.gatewaycost.CallProfile;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.testing.aws.LocalDynamoDb;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * The gateway's own AWS cost prices a response-cache fill at {@link CallProfile#cacheFillWriteUnits}: counted here on
 * dynalite, a fill once the feature's ring is full makes four writes (the answer, the counter, the slot, the delete of
 * the answer the slot held), and they consume no more write units than the estimate for the answer's output tokens.
 */
class DynamoDbCacheFillWritesIT {
    static final Instant NOW = Instant.parse("2026-11-05T10:00:00Z");
    static final long OUTPUT_TOKENS = 300;

    record Write(String operation, Double units) {}

    @Test
    void put_ringFull_fourWritesWithinTheCostModelsUnits() {
        List<Write> writes = new CopyOnWriteArrayList<>();
        LocalDynamoDb local = LocalDynamoDb.shared();
        String table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(local.client(), table);
        try (DynamoDbClient counting = counting(local, writes)) {
            DynamoDbResponseCacheStore store = new DynamoDbResponseCacheStore(counting, table);
            store.put(answer("k0", NOW), 1);
            writes.clear();

            store.put(answer("k1", NOW.plusSeconds(1)), 1); // slot 0 again: drops k0

            assertThat(writes)
                    .extracting(Write::operation)
                    .containsExactly("PutItem", "UpdateItem", "PutItem", "DeleteItem");
            assertThat(store.get("k0", NOW.plusSeconds(2))).isEmpty();
            double units = writes.stream()
                    .mapToDouble(w -> w.units() == null ? 0 : w.units())
                    .sum();
            assertThat(writes).allSatisfy(w -> assertThat(w.units()).isNotNull());
            assertThat(units)
                    .as("write units of a fill of a %d-token answer", OUTPUT_TOKENS)
                    .isPositive()
                    .isLessThanOrEqualTo(CallProfile.cacheFillWriteUnits(OUTPUT_TOKENS));
        }
    }

    /** A chat completion of {@link #OUTPUT_TOKENS} tokens of English (about 4 characters each), as the cache keeps it. */
    private static CachedAnswer answer(String key, Instant at) {
        String text = "word ".repeat((int) OUTPUT_TOKENS * 4 / 5);
        String body = "{\"id\":\"chatcmpl-abc123\",\"object\":\"chat.completion\",\"created\":1796306400,"
                + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"" + text + "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":300,\"total_tokens\":1300},"
                + "\"system_fingerprint\":\"fp_0123456789\"}";
        return new CachedAnswer(
                key,
                "faq",
                "chat.completions",
                "openai",
                "gpt-4o-mini",
                body.getBytes(StandardCharsets.UTF_8),
                new TokenUsage(1000, 0, 0, 0, OUTPUT_TOKENS, 0),
                new BigDecimal("0.00033"),
                at,
                at.plusSeconds(3600));
    }

    /** A client that asks every write for its consumed capacity and notes the operation and units. */
    private static DynamoDbClient counting(LocalDynamoDb local, List<Write> writes) {
        return local.clientBuilder()
                .overrideConfiguration(o -> o.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
                        SdkRequest r = context.request();
                        if (r instanceof PutItemRequest p) {
                            return p.toBuilder()
                                    .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                                    .build();
                        }
                        if (r instanceof UpdateItemRequest u) {
                            return u.toBuilder()
                                    .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                                    .build();
                        }
                        if (r instanceof DeleteItemRequest d) {
                            return d.toBuilder()
                                    .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL)
                                    .build();
                        }
                        return r;
                    }

                    @Override
                    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
                        SdkResponse r = context.response();
                        if (r instanceof PutItemResponse p) {
                            writes.add(new Write("PutItem", units(p.consumedCapacity())));
                        } else if (r instanceof UpdateItemResponse u) {
                            writes.add(new Write("UpdateItem", units(u.consumedCapacity())));
                        } else if (r instanceof DeleteItemResponse d) {
                            writes.add(new Write("DeleteItem", units(d.consumedCapacity())));
                        }
                    }
                }))
                .build();
    }

    private static Double units(ConsumedCapacity c) {
        return c == null ? null : c.capacityUnits();
    }
}
