package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.cache.QuestionSimilarity;
import dev.spendgate.domain.cache.ResponseCache;
import dev.spendgate.domain.cache.SemanticEntry;
import dev.spendgate.testing.aws.LocalDynamoDb;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The semantic cache's per-prefix index at real volume: one DynamoDB item holds up to {@link
 * ResponseCache#MAX_PER_PREFIX} questions, each as hex sketches of 48 characters per distinct content word, and a
 * DynamoDB item holds at most 400 KB.
 */
class DynamoDbResponseCacheIndexSizeIT {
    private static final Instant NOW = Instant.parse("2026-12-03T10:00:00Z");
    private static final String PREFIX = "support-bot-system-prompt-v3";

    private final DynamoDbClient dynamoDb = LocalDynamoDb.shared().client();

    /** A user question of 60 distinct content words (a short paragraph), different for each {@code n}. */
    private static String question(int n) {
        Random random = new Random(n);
        List<String> words = new ArrayList<>();
        for (int w = 0; w < 60; w++) {
            StringBuilder word = new StringBuilder();
            for (int c = 0; c < 7; c++) {
                word.append((char) ('a' + random.nextInt(26)));
            }
            words.add(word.toString());
        }
        return String.join(" ", words) + "?";
    }

    @Test
    void index_256QuestionsOfSixtyWordsBehindOnePrefix_everyQuestionIndexedAndTheNewestFound() {
        String table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamoDb, table);
        DynamoDbResponseCacheStore store = new DynamoDbResponseCacheStore(dynamoDb, table);

        int refused = 0;
        for (int i = 0; i < ResponseCache.MAX_PER_PREFIX; i++) {
            SemanticEntry entry =
                    new SemanticEntry("k" + i, QuestionSimilarity.sketch(question(i)), NOW.plusSeconds(86_400));
            try {
                store.index(PREFIX, entry, ResponseCache.MAX_PER_PREFIX, NOW.plusSeconds(i));
            } catch (RuntimeException e) {
                refused++; // the gateway logs it as a cache store error and leaves the question out
            }
        }

        assertThat(refused)
                .as("index writes refused of %d", ResponseCache.MAX_PER_PREFIX)
                .isZero();
        assertThat(store.similar(PREFIX, NOW.plusSeconds(300)))
                .extracting(SemanticEntry::key)
                .as("the newest question can be matched by the next similar one")
                .contains("k" + (ResponseCache.MAX_PER_PREFIX - 1))
                .as("the oldest questions leave first, so the index item stays within 400 KB")
                .doesNotContain("k0")
                .hasSizeGreaterThan(100);
    }
}
