package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.store.ObjectStoreException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckFileReferencesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void fileIds_responsesChatAndToolFiles_eachWithThePathOfItsFirstPlace() throws Exception {
        String body = """
                {"model": "gpt-4o-mini",
                 "metadata": {"file_id": "file-label-only"},
                 "input": [{"role": "user", "content": [
                     {"type": "input_image", "file_id": "file-img"},
                     {"type": "input_file", "file_id": "file-doc"},
                     {"type": "input_file", "file_id": "file-doc"},
                     {"type": "input_file", "file_id": "not a stored id/../x"}]}],
                 "tools": [{"type": "code_interpreter", "container": {"type": "auto", "file_ids": ["file-csv"]}},
                           {"type": "function", "parameters": {"properties": {"file_id": {"type": "string"}}}}],
                 "messages": [{"role": "user", "content": [{"type": "file", "file": {"file_id": "file-chat"}}]}]}
                """;

        assertThat(CheckFileReferences.fileIds(JSON.readTree(body)))
                .containsExactlyInAnyOrderEntriesOf(java.util.Map.of(
                        "file-img", "input[0].content[0].file_id",
                        "file-doc", "input[0].content[1].file_id",
                        "file-csv", "tools[0].container.file_ids[0]",
                        "file-chat", "messages[0].content[0].file.file_id"));
    }

    @Test
    void apply_ownersStoreUnreadable_503RetryAfterNamingTheFilePart(@TempDir Path dir) {
        CallContext ctx = Calls.validChat(dir, """
                {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": [
                    {"type": "text", "text": "Summarise"}, {"type": "file", "file": {"file_id": "file-q3"}}]}]}
                """);
        FileAccess outage = (keyId, fileId) -> {
            throw new ObjectStoreException("could not get s3://bucket/batches/file-owners/" + fileId, null);
        };

        Step step = new CheckFileReferences(outage).apply(ctx);

        assertThat(step.refused()).isTrue();
        assertThat(step.refusal().status()).isEqualTo(503);
        assertThat(step.refusal().param()).isEqualTo("messages[0].content[1].file.file_id");
        assertThat(step.refusal().headers()).containsEntry("Retry-After", "1");
        assertThat(step.refusal().errorType()).isEqualTo("file_store_unavailable");
    }
}
