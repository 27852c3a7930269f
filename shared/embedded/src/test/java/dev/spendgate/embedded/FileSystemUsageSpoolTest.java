package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageSpool;
import dev.spendgate.domain.usage.UsageSpool.SpooledBatch;
import dev.spendgate.testing.contract.UsageSpoolContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemUsageSpoolTest extends UsageSpoolContract {
    @TempDir
    Path root;

    @Override
    protected UsageSpool newSpool() {
        return new FileSystemUsageSpool(root.resolve("spool"));
    }

    @Override
    protected UsageSpool reopenSpool() {
        return new FileSystemUsageSpool(root.resolve("spool"));
    }

    @Test
    void spill_veryLongKey_fitsInAFileName() {
        String key = "usage/v1/" + "x".repeat(600) + ".ndjson.gz";
        UsageSpool spool = newSpool();

        spool.spill(new SpooledBatch(key, gzip("x")));

        assertThat(spool.pending(1)).singleElement().satisfies(b -> assertThat(b.objectKey())
                .isEqualTo(key));
    }

    @Test
    void spill_writesOneFileAndNoTempFiles() throws IOException {
        UsageSpool spool = newSpool();

        spool.spill(new SpooledBatch("usage/v1/a.ndjson.gz", gzip("a")));
        spool.spill(new SpooledBatch("usage/v1/a.ndjson.gz", gzip("b")));

        try (Stream<Path> files = Files.list(root.resolve("spool"))) {
            assertThat(files).singleElement().satisfies(f -> assertThat(f.toString())
                    .endsWith(".batch"));
        }
    }

    @Test
    void pending_foreignOrTruncatedFiles_areSkippedAndKept() throws IOException {
        UsageSpool spool = newSpool();
        spool.spill(new SpooledBatch("usage/v1/a.ndjson.gz", gzip("a")));
        Path junk = root.resolve("spool/0000.batch");
        Files.write(junk, new byte[] {0x53, 0x47});
        Files.writeString(root.resolve("spool/notes.txt"), "not a batch");

        assertThat(spool.pending(10)).extracting(SpooledBatch::objectKey).containsExactly("usage/v1/a.ndjson.gz");
        assertThat(junk).exists();
    }

    /**
     * A batch a newer gateway spilled on this directory (its format version 2): left in place, as before, but no longer
     * silently: its records are missing from the usage log, so the log names the file, once.
     */
    @Test
    void pending_batchOfAnotherVersion_keptAndNamedInTheLogOnce() throws IOException {
        UsageSpool spool = newSpool();
        Files.createDirectories(root.resolve("spool"));
        Path newer = root.resolve("spool/ffff.batch");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeInt(0x53475350);
            out.writeInt(2);
            out.writeLong(1L);
        }
        Files.write(newer, bytes.toByteArray());
        java.io.PrintStream err = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(spool.pending(10)).isEmpty();
            assertThat(spool.pending(10)).isEmpty();
        } finally {
            System.setErr(err);
        }

        assertThat(newer).exists();
        String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(log).contains("spool.batch_of_other_version").contains("ffff.batch");
        assertThat(log.split("spool.batch_of_other_version", -1)).hasSize(2);
    }
}
