package dev.spendgate.function.proxy.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import dev.spendgate.function.proxy.upstream.Provider;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Final review (session 27, F27A-2): a create whose answer was handled (its creator stored) but whose close marker
 * ({@code batches/pending-closed/}) was not written (the store failed on that one write) stays open. The sweep then
 * skips the create's own batch, as it has a creator, finds no other match and, a day on, charges the create's worst
 * case to its key's budgets as spend: on top of the batch's results, charged when they are recorded. The budget counts
 * the batch twice.
 */
class PendingCreateUnclosedReviewTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant CREATE = Instant.parse("2026-12-01T10:00:00Z");
    private static final Attribution TRIAGE =
            new Attribution("ticket-triage", null, "support", "prod", null, null, null);

    private final Provider openAi =
            new Provider("openai", ApiFormat.OPENAI, "http://127.0.0.1:9/v1", "sk-test", List.of(), null);

    @TempDir
    Path dir;

    @Test
    void answeredCreateWhoseCloseWasNotWritten_isNotChargedItsWorstCaseBesidesItsBatch() throws Exception {
        FileSystemObjectStore objects = new FileSystemObjectStore(dir);
        BatchStore store = new BatchStore(objects);
        PendingBatchCreates pending = new PendingBatchCreates(objects, store, Duration.ofMinutes(10));
        pending.open(
                "key-a",
                openAi,
                TRIAGE,
                Optional.of(new BatchStore.FileWorstCase(Optional.of(new BigDecimal("0.30")), 3, "gpt-5-mini")),
                "file-9",
                CREATE);
        // the provider answered batch_1; BatchApi stored its creator, then the close marker's write failed
        store.saveCreator(new BatchStore.Creator(
                "batch_1", "openai", "openai", "key-a", TRIAGE, CREATE.plusSeconds(1), new BigDecimal("0.1")));
        String list = "{\"object\":\"list\",\"data\":[{\"id\":\"batch_1\",\"input_file_id\":\"file-9\",\"created_at\":"
                + (CREATE.getEpochSecond() + 1) + "}],\"has_more\":false}";
        List<String> charged = new ArrayList<>();

        pending.sweep(
                CREATE.plus(Duration.ofHours(25)),
                name -> Optional.of(openAi),
                (p, path) -> JSON.readTree(list),
                (e, at) -> charged.add(e.keyId() + " " + e.worstCaseUsd().toPlainString()));

        assertThat(charged)
                .as("worst cases charged for a create whose batch batch_1 is key-a's and charged by its results")
                .isEmpty();
    }
}
