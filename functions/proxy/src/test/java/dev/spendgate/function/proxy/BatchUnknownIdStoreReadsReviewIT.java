package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.store.ObjectStore;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Final review (session 27, F27A-1): every batch create now leaves two objects for good ({@code
 * batches/pending-creates/} and {@code batches/pending-closed/}, PendingBatchCreates: the store cannot delete them), and
 * a request for a batch id the gateway stored no creator for (a typo, a batch made outside the gateway, a probe for
 * another's id) now lists both prefixes whole before it answers 404 (BatchApi#adoptAsked calls
 * PendingBatchCreates#open() before it looks at whose entries they are). Before, that 404 read no listing. So the cost
 * of a 404 on the request path grows with every batch ever created through the gateway (two S3 LISTs per 1,000
 * creates ever made, in AWS), and any key can repeat it at will: hostile input takes store capacity from others.
 */
class BatchUnknownIdStoreReadsReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BOUNDARY = "----spendgate-test-boundary";

    @TempDir
    Path dir;

    private FakeBatchUpstream batches;
    private GatewayFixture gw;

    /** The file store, counting the keys each listing returns. */
    private static final class CountingStore implements ObjectStore {
        private final ObjectStore delegate;
        final List<String> listed = Collections.synchronizedList(new ArrayList<>());

        CountingStore(ObjectStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public void put(String key, byte[] content) {
            delegate.put(key, content);
        }

        @Override
        public boolean putIfAbsent(String key, byte[] content) {
            return delegate.putIfAbsent(key, content);
        }

        @Override
        public void delete(String key) {
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
            List<String> keys = delegate.list(prefix);
            listed.addAll(keys);
            return keys;
        }

        @Override
        public List<Listed> listWithSizes(String prefix) {
            List<Listed> keys = delegate.listWithSizes(prefix);
            keys.forEach(k -> listed.add(k.key()));
            return keys;
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
    void unknownBatchId_isAnswered404WithoutListingEveryCreateEverMade() throws Exception {
        batches = FakeBatchUpstream.start();
        CountingStore store = new CountingStore(new FileSystemObjectStore(dir));
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
        int creates = 5;
        for (int i = 0; i < creates; i++) {
            HttpResponse<String> created = gw.send(gw.post(
                    "/v1/batches",
                    "{\"input_file_id\":\"" + fileId
                            + "\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}"));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(200);
        }
        store.listed.clear();

        HttpResponse<String> unknown =
                gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/batches/batch_0000unknown"))
                        .header("Authorization", "Bearer " + gw.secret)
                        .GET());

        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
        assertThat(store.listed)
                .as(
                        "keys listed to answer one 404 for a batch id no one created through the gateway, after %s"
                                + " creates",
                        creates)
                .noneMatch(k -> k.startsWith("batches/pending-"));
    }
}
