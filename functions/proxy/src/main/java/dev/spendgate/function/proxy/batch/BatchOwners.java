package dev.spendgate.function.proxy.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.function.proxy.pipeline.CheckFileReferences;
import dev.spendgate.function.proxy.pipeline.FileAccess;
import java.io.IOException;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;

/**
 * Which Spendgate key may see a batch or a file. Batches and files live at the provider under the gateway's one
 * provider key, so the gateway is what keeps teams apart: a batch belongs to the key that created it through Spendgate,
 * a file to the key that uploaded it, an output or error file to its batch's creator. Anything else (made without
 * Spendgate, or a file uploaded before owners were kept) belongs to no key and is answered as if it did not exist.
 */
public final class BatchOwners {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BatchStore store;

    BatchOwners(BatchStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /** {@link #mayReference} over the batch records in {@code store}, for the calls' {@link CheckFileReferences}. */
    public static FileAccess fileAccess(ObjectStore store) {
        return new BatchOwners(new BatchStore(store))::mayReference;
    }

    /** Whether {@code keyId} may read or change what {@code route} names; a collection is anyone's (then filtered). */
    boolean mayUse(BatchRoute route, String keyId) {
        return switch (route.kind()) {
            case OPENAI_FILES, OPENAI_BATCHES, ANTHROPIC_BATCHES -> true;
            case OPENAI_FILE, OPENAI_FILE_CONTENT -> ownsFile(keyId, route.id());
            case OPENAI_BATCH, ANTHROPIC_BATCH, ANTHROPIC_RESULTS -> ownsBatch(keyId, route.id());
        };
    }

    boolean ownsBatch(String keyId, String batchId) {
        return BatchStore.isValidId(batchId)
                && store.creator(batchId).map(c -> keyId.equals(c.keyId())).orElse(false);
    }

    boolean ownsFile(String keyId, String fileId) {
        if (!BatchStore.isValidId(fileId)) {
            return false;
        }
        Optional<String> uploader = store.fileOwner(fileId);
        if (uploader.isPresent()) {
            return keyId.equals(uploader.get());
        }
        return store.outputFile(fileId)
                .map(f -> ownsBatch(keyId, f.path("batch_id").asText(null)))
                .orElse(false);
    }

    /**
     * Whether {@code keyId} may name {@code fileId} in what it sends the provider: a batch's {@code input_file_id}, a
     * call's file parts ({@link CheckFileReferences}). Its own upload, or a file Spendgate knows nothing of (uploaded at
     * the provider directly, as before); not another key's upload, nor one kept before owners were, nor a batch's
     * output file.
     */
    boolean mayReference(String keyId, String fileId) {
        Optional<String> uploader = store.fileOwner(fileId);
        if (uploader.isPresent()) {
            return keyId.equals(uploader.get());
        }
        return store.inputFile(fileId).isEmpty() && store.outputFile(fileId).isEmpty();
    }

    /**
     * A list answer ({@code GET /v1/files}, {@code /v1/batches}, {@code /v1/messages/batches}) with only the caller's
     * own entries in {@code data}; the provider's paging fields are left as they are, so a page may come back shorter
     * than its {@code limit}, or empty, while {@code has_more} is true.
     */
    byte[] ownEntries(BatchRoute route, String keyId, byte[] body) throws IOException {
        JsonNode list;
        try {
            list = JSON.readTree(body);
        } catch (IOException e) {
            list = null;
        }
        if (list == null || !list.isObject() || !list.path("data").isArray()) {
            ObjectNode empty = JSON.createObjectNode(); // nothing the gateway cannot check is passed on
            empty.putArray("data");
            empty.put("has_more", false);
            return JSON.writeValueAsBytes(empty);
        }
        boolean files = route.kind() == BatchRoute.Kind.OPENAI_FILES;
        Iterator<JsonNode> it = ((ArrayNode) list.get("data")).elements();
        while (it.hasNext()) {
            String id = it.next().path("id").asText(null);
            if (!(files ? ownsFile(keyId, id) : ownsBatch(keyId, id))) {
                it.remove();
            }
        }
        return JSON.writeValueAsBytes(list);
    }
}
