package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

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
}
