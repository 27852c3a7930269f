package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageLogWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A roll-back after a crash: a newer Spendgate (writing {@code schema_version} 5) was SIGKILLed with records in its
 * usage journal, and the operator starts this version on the data directory. Readers of this version keep such a
 * record and say "written by a newer Spendgate ... upgrade to count it" (e59337cd, {@code UsageRecordCodec}), so that
 * rolling forward again counts it. The journal's recovery instead counts the whole, valid line as torn, delivers
 * nothing of it and deletes the segment: the call is gone for every version. README "Usage record": a SIGKILL loses no
 * record; {@code LedgerOlderVersionRoundTripReviewTest} holds the budget ledger to the same roll-back and forward.
 */
class NewerSchemaJournalRecoveryReviewTest {
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @TempDir
    Path dataDir;

    @Test
    void recovery_newerSchemaLineInTheJournal_isKeptForTheNewerReader() throws Exception {
        // what the newer gateway left: one call's record, appended before it was killed, never flushed
        FileUsageJournal left = new FileUsageJournal(dataDir.resolve("journal/usage"), Clock.systemUTC(), false);
        left.append(line(5, "req_newer").getBytes(StandardCharsets.UTF_8));
        left.append(line(4, "req_current").getBytes(StandardCharsets.UTF_8));
        left.sync();
        left.close();

        UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dataDir),
                new FileSystemUsageSpool(dataDir.resolve("spool")),
                new FileUsageJournal(dataDir.resolve("journal/usage"), Clock.systemUTC(), false),
                Clock.systemUTC(),
                1000);
        writer.recoverJournal();
        writer.close();

        assertThat(everything(dataDir))
                .as("the data directory after this version's start: the usage objects and the journal")
                .contains("req_current")
                .contains("req_newer");
    }

    private static String line(int schema, String requestId) {
        return "{\"schema_version\":" + schema + ",\"request_id\":\"" + requestId + "\",\"ts_start\":\"" + T0
                + "\",\"ts_end\":\"" + T0.plusMillis(900) + "\",\"key_id\":\"key_1\",\"feature\":\"chatbot\","
                + "\"department\":\"engineering\",\"team\":null,\"environment\":\"prod\",\"session\":null,"
                + "\"user\":null,\"run\":null,\"attributed\":true,\"provider\":\"openai\","
                + "\"endpoint\":\"chat.completions\",\"model_requested\":\"gpt-4o\",\"model_served\":\"gpt-4o-2024-08-06\","
                + "\"stream\":false,\"status_code\":200,\"input_tokens\":1000,\"cached_input_tokens\":0,"
                + "\"cache_write_tokens\":0,\"cache_write_1h_tokens\":0,\"output_tokens\":100,\"reasoning_tokens\":0,"
                + "\"cost_usd\":\"0.0035\",\"pricing_status\":\"priced\",\"pricing_version\":\"2026-12-05\","
                + "\"usage_source\":\"provider\",\"latency_ms\":900,\"upstream_ms\":890,\"overhead_ms\":10,"
                + "\"max_output_tokens\":null,\"error_type\":null,\"system_hash\":null,\"prefix_hash\":null,"
                + "\"request_hash\":null,\"simhash\":null" + (schema > 4 ? ",\"a_field_of_schema_5\":\"x\"" : "")
                + "}\n";
    }

    /** Every file under {@code dir} as text, gzip objects unzipped. */
    private static String everything(Path dir) throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                byte[] bytes = Files.readAllBytes(p);
                if (bytes.length > 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
                    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
                        bytes = in.readAllBytes();
                    }
                }
                all.append(p)
                        .append(":\n")
                        .append(new String(bytes, StandardCharsets.UTF_8))
                        .append('\n');
            }
        }
        return all.toString();
    }
}
