package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.store.ObjectStoreException;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import dev.spendgate.testing.upstream.FakeBatchUpstream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Final review (session 27, F27A-2): after the provider created the batch and the gateway stored its creator, BatchApi
 * now writes one more object, the create's close marker ({@code batches/pending-closed/}, PendingBatchCreates#close).
 * When that write fails (an S3 PUT failing after the SDK's retries), the exception reaches BatchApi's catch-all and the
 * client is answered 500 "Spendgate failed on this batch call" for a batch that exists, is billed and is its own. SDKs
 * retry a 500 on create, so the batch is created and run a second time. Before, the create was answered 200 once the
 * creator was stored. The entry left open is then also charged its worst case a day on
 * ({@code PendingCreateUnclosedReviewTest}).
 */
class BatchCreateCloseFailureReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BOUNDARY = "----spendgate-test-boundary";

    @TempDir
    Path dir;

    private FakeBatchUpstream batches;
    private GatewayFixture gw;

    /** The file store, failing writes under {@link #failPutsUnder} once set. */
    private static final class FlakyStore implements ObjectStore {
        private final ObjectStore delegate;
        volatile String failPutsUnder;
        volatile String failDeletesUnder;

        FlakyStore(ObjectStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public void put(String key, byte[] content) {
            String failing = failPutsUnder;
            if (failing != null && key.startsWith(failing)) {
                throw new ObjectStoreException("store unavailable writing " + key, null);
            }
            delegate.put(key, content);
        }

        @Override
        public boolean putIfAbsent(String key, byte[] content) {
            return delegate.putIfAbsent(key, content);
        }

        @Override
        public void delete(String key) {
            String failing = failDeletesUnder;
            if (failing != null && key.startsWith(failing)) {
                throw new ObjectStoreException("store unavailable deleting " + key, null);
            }
            delegate.delete(key);
        }

        @Override
        public Optional<byte[]> get(String key) {
            return delegate.get(key);
        }

        @Override
        public Optional<InputStream> open(String key) {
            return delegate.open(key);
        }

        @Override
        public List<String> list(String prefix) {
            return delegate.list(prefix);
        }

        @Override
        public List<Listed> listWithSizes(String prefix) {
            return delegate.listWithSizes(prefix);
        }
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (batches != null) {
            batches.close();
        }
    }

    private HttpResponse<String> upload(String jsonl) {
        String body = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n" + jsonl + "\r\n--" + BOUNDARY + "--\r\n";
        return gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/files"))
                .header("Authorization", "Bearer " + gw.secret)
                .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
    }

    @Test
    void createdBatchWhoseCreatorIsStored_isAnswered200EvenIfItsCloseMarkerFails() throws Exception {
        batches = FakeBatchUpstream.start();
        FlakyStore store = new FlakyStore(new FileSystemObjectStore(dir));
        gw = GatewayFixture.with(
                new FileKeyStore(dir.resolve("keys.json")),
                store,
                new FileSystemUsageSpool(dir.resolve("spool")),
                LocalGatewayRuntime.budgets(dir, new LogAlertSink()),
                Map.of(
                        "SPENDGATE_OPENAI_BASE_URL", batches.openAiBaseUrl(),
                        "SPENDGATE_ANTHROPIC_BASE_URL", batches.anthropicBaseUrl()));
        HttpResponse<String> file =
                upload("{\"custom_id\":\"t-1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
                        + "\"body\":{\"model\":\"gpt-5-mini\",\"max_completion_tokens\":100,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Classify ticket 1.\"}]}}\n");
        assertThat(file.statusCode()).as(file.body()).isEqualTo(200);
        String fileId = JSON.readTree(file.body()).get("id").asText();
        store.failPutsUnder = "batches/pending-closed/";
        store.failDeletesUnder = "batches/pending-creates/"; // close deletes the entry where the store can

        HttpResponse<String> created = gw.send(gw.post(
                "/v1/batches",
                "{\"input_file_id\":\"" + fileId
                        + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}"));

        List<String> creators = store.list("batches/created/");
        assertThat(creators)
                .as("the provider created the batch and its creator is stored")
                .hasSize(1);
        assertThat(created.statusCode())
                .as("answer to a create the provider ran and the gateway recorded as this key's: %s", created.body())
                .isEqualTo(200);
    }
}
