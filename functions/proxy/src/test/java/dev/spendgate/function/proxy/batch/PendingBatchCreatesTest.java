package dev.spendgate.function.proxy.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import dev.spendgate.function.proxy.upstream.Provider;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch create forwarded by a gateway that died (SIGKILL, a Lambda timeout) before it stored the creator: the batch
 * sweep finds the provider's batch that matches the create and makes it the creator's, so its results are recorded
 * and charged; a create no provider batch matches for a day is charged its worst case, not forgotten.
 */
class PendingBatchCreatesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant CREATE = Instant.parse("2026-12-01T10:00:00Z");
    private static final Duration IN_FLIGHT = Duration.ofMinutes(10);
    private static final Attribution TRIAGE =
            new Attribution("ticket-triage", null, "support", "prod", null, null, null);

    private final Provider openAi =
            new Provider("openai", ApiFormat.OPENAI, "http://127.0.0.1:9/v1", "sk-test", List.of(), null);
    private final Provider anthropic =
            new Provider("anthropic", ApiFormat.ANTHROPIC, "http://127.0.0.1:9", "sk-ant-test", List.of(), null);

    @TempDir
    Path dir;

    private BatchStore store;
    private PendingBatchCreates pending;
    private final List<String> listed = new ArrayList<>();
    private final List<String> charged = new ArrayList<>();

    @BeforeEach
    void setUp() {
        FileSystemObjectStore objects = new FileSystemObjectStore(dir);
        store = new BatchStore(objects);
        pending = new PendingBatchCreates(objects, store, IN_FLIGHT);
    }

    private PendingBatchCreates.Swept sweep(Instant now, String openAiList, String anthropicList) {
        return pending.sweep(
                now,
                name -> Optional.of(name.equals("openai") ? openAi : anthropic),
                (p, path) -> {
                    listed.add(p.name() + " " + path);
                    String body = p == openAi ? openAiList : anthropicList;
                    if (body == null) {
                        throw new IOException("provider down");
                    }
                    return JSON.readTree(body);
                },
                (e, at) -> charged.add(e.keyId() + " " + e.worstCaseUsd().toPlainString()));
    }

    private static BatchStore.FileWorstCase worst(String usd, int requests) {
        return new BatchStore.FileWorstCase(Optional.of(new BigDecimal(usd)), requests, "gpt-5-mini");
    }

    @Test
    void openAiCreateKilledBeforeItsAnswer_sweepMakesTheBatchWithItsInputFileTheCreators() {
        pending.open("key-a", openAi, TRIAGE, Optional.of(worst("0.30", 3)), "file-9", CREATE);
        String list = "{\"object\":\"list\",\"data\":["
                + "{\"id\":\"batch_2\",\"input_file_id\":\"file-7\",\"created_at\":" + (CREATE.getEpochSecond() + 2)
                + "},"
                + "{\"id\":\"batch_1\",\"input_file_id\":\"file-9\",\"created_at\":" + (CREATE.getEpochSecond() + 1)
                + "}],\"first_id\":\"batch_2\",\"last_id\":\"batch_1\",\"has_more\":false}";

        PendingBatchCreates.Swept swept = sweep(CREATE.plus(Duration.ofMinutes(15)), list, null);

        assertThat(swept).isEqualTo(new PendingBatchCreates.Swept(1, 0));
        BatchStore.Creator creator = store.creator("batch_1").orElseThrow();
        assertThat(creator.keyId()).isEqualTo("key-a");
        assertThat(creator.attribution()).isEqualTo(TRIAGE);
        assertThat(creator.createdAt()).isEqualTo(CREATE);
        assertThat(creator.lineWorstCaseUsd()).isEqualByComparingTo("0.1");
        assertThat(store.creator("batch_2")).as("another file's batch").isEmpty();
        assertThat(store.unsweptBatches()).containsExactly("batch_1"); // the results sweep now collects it
        assertThat(pending.open()).isEmpty();
    }

    @Test
    void anthropicCreate_matchedByItsRequestCountAndTime() {
        pending.open("key-a", anthropic, TRIAGE, Optional.of(worst("0.19", 2)), null, CREATE);
        String list = "{\"data\":["
                + batch("msgbatch_3", CREATE.plusSeconds(1), 3)
                + "," + batch("msgbatch_2", CREATE.minus(Duration.ofHours(2)), 2)
                + "," + batch("msgbatch_1", CREATE.plusSeconds(1), 2)
                + "],\"has_more\":false,\"first_id\":\"msgbatch_3\",\"last_id\":\"msgbatch_1\"}";

        PendingBatchCreates.Swept swept = sweep(CREATE.plus(Duration.ofMinutes(15)), null, list);

        assertThat(swept.adopted()).isEqualTo(1);
        assertThat(store.creator("msgbatch_1").orElseThrow().keyId()).isEqualTo("key-a");
        assertThat(store.creator("msgbatch_3")).as("three requests, not two").isEmpty();
        assertThat(store.creator("msgbatch_2")).as("created two hours before").isEmpty();
    }

    @Test
    void aBatchWithACreatorAlready_isNotTakenByAnotherCreate() {
        store.saveCreator(
                new BatchStore.Creator("msgbatch_1", "anthropic", "anthropic", "key-b", TRIAGE, CREATE, null));
        pending.open("key-a", anthropic, TRIAGE, Optional.of(worst("0.19", 2)), null, CREATE);
        String list = "{\"data\":[" + batch("msgbatch_1", CREATE, 2) + "],\"has_more\":false}";

        assertThat(sweep(CREATE.plus(Duration.ofMinutes(15)), null, list).adopted())
                .isZero();
        assertThat(store.creator("msgbatch_1").orElseThrow().keyId()).isEqualTo("key-b");
        assertThat(pending.open()).hasSize(1);
    }

    @Test
    void aCreateThatMayStillAwaitItsAnswer_isLeftToIt() {
        pending.open("key-a", openAi, TRIAGE, Optional.of(worst("0.30", 3)), "file-9", CREATE);

        PendingBatchCreates.Swept swept = sweep(CREATE.plus(Duration.ofMinutes(5)), "{\"data\":[]}", null);

        assertThat(swept).isEqualTo(new PendingBatchCreates.Swept(0, 0));
        assertThat(listed).as("the provider is not asked").isEmpty();
        assertThat(pending.open()).hasSize(1);
    }

    @Test
    void aCreateNoBatchMatchesForADay_isChargedItsWorstCaseOnce() {
        pending.open("key-a", openAi, TRIAGE, Optional.of(worst("0.30", 3)), "file-9", CREATE);
        String none = "{\"object\":\"list\",\"data\":[],\"has_more\":false}";

        PendingBatchCreates.Swept early = sweep(CREATE.plus(Duration.ofHours(2)), none, null);
        PendingBatchCreates.Swept down = sweep(CREATE.plus(Duration.ofHours(25)), null, null);
        PendingBatchCreates.Swept late = sweep(CREATE.plus(Duration.ofHours(26)), none, null);
        PendingBatchCreates.Swept after = sweep(CREATE.plus(Duration.ofHours(27)), none, null);

        assertThat(early.charged()).as("within the day").isZero();
        assertThat(down.charged()).as("the provider's list could not be read").isZero();
        assertThat(late.charged()).isEqualTo(1);
        assertThat(after.charged()).isZero();
        assertThat(charged).containsExactly("key-a 0.30");
        assertThat(pending.open()).isEmpty();
    }

    @Test
    void theProvidersListIsPagedBackToTheCreate() {
        pending.open("key-a", openAi, TRIAGE, Optional.of(worst("0.30", 3)), "file-9", CREATE);
        List<String> pages = new ArrayList<>(List.of(
                "{\"data\":[{\"id\":\"batch_5\",\"input_file_id\":\"file-1\",\"created_at\":"
                        + (CREATE.getEpochSecond() + 50) + "}],\"last_id\":\"batch_5\",\"has_more\":true}",
                "{\"data\":[{\"id\":\"batch_4\",\"input_file_id\":\"file-9\",\"created_at\":"
                        + (CREATE.getEpochSecond() + 1) + "}],\"last_id\":\"batch_4\",\"has_more\":true}",
                "{\"data\":[{\"id\":\"batch_3\",\"input_file_id\":\"file-1\",\"created_at\":"
                        + (CREATE.getEpochSecond() - 3600) + "}],\"last_id\":\"batch_3\",\"has_more\":true}"));

        PendingBatchCreates.Swept swept = pending.sweep(
                CREATE.plus(Duration.ofMinutes(15)),
                name -> Optional.of(openAi),
                (p, path) -> {
                    listed.add(path);
                    return JSON.readTree(pages.remove(0));
                },
                (e, at) -> false);

        assertThat(swept.adopted()).isEqualTo(1);
        assertThat(store.creator("batch_4")).isPresent();
        assertThat(listed)
                .containsExactly(
                        "/v1/batches?limit=100",
                        "/v1/batches?limit=100&after=batch_5",
                        "/v1/batches?limit=100&after=batch_4");
    }

    private static String batch(String id, Instant created, int requests) {
        return "{\"id\":\"" + id + "\",\"type\":\"message_batch\",\"created_at\":\"" + created
                + "\",\"request_counts\":{\"processing\":" + requests
                + ",\"succeeded\":0,\"errored\":0,\"canceled\":0,\"expired\":0}}";
    }

    @Test
    void createOlderThanTheNewest20PagesReach_isChargedADayOnAndNotListedAgain() {
        pending.open("key-a", openAi, TRIAGE, Optional.of(worst("0.30", 3)), "file-9", CREATE);
        // the provider holds more batches made since the create than 20 pages of 100 reach, none of them file-9's
        StringBuilder page = new StringBuilder("{\"object\":\"list\",\"data\":[");
        for (int i = 0; i < 100; i++) {
            page.append(i == 0 ? "" : ",")
                    .append("{\"id\":\"batch_n")
                    .append(i)
                    .append("\",\"input_file_id\":\"file-1\",\"created_at\":")
                    .append(CREATE.plus(Duration.ofHours(20)).getEpochSecond())
                    .append('}');
        }
        page.append("],\"last_id\":\"batch_n99\",\"has_more\":true}");

        PendingBatchCreates.Swept first = sweep(CREATE.plus(Duration.ofHours(25)), page.toString(), null);
        int pagesRead = listed.size();
        listed.clear();
        sweep(CREATE.plus(Duration.ofHours(26)), page.toString(), null);

        assertThat(pagesRead).as("pages read by the first sweep").isEqualTo(20);
        assertThat(first.charged()).isEqualTo(1);
        assertThat(charged).as("worst cases charged over two sweeps").containsExactly("key-a 0.30");
        assertThat(listed)
                .as("pages read by the next sweep: the create is closed")
                .isEmpty();
    }
}
