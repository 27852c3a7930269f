package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageJournal;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageLogWriter;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A roll-back after a crash: the journal a newer Spendgate left holds lines of {@code schema_version} 5. Recovery
 * delivers each whole one as written, under its hour's recovered object, so the newer version counts it after a
 * roll-forward; this version's reader skips it, saying to upgrade. A line that is not valid JSON is still torn.
 */
class NewerSchemaJournalLineTest {
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @TempDir
    Path dataDir;

    @Test
    void recovery_keepsNewerSchemaLinesAsWritten_andDropsOnlyTheTornOne() throws Exception {
        String newer = "{\"schema_version\":5,\"request_id\":\"req_newer\",\"ts_start\":\"" + T0
                + "\",\"cost_usd\":\"0.0035\",\"a_field_of_schema_5\":{\"x\":[1,2]}}";
        String newerNoTime = "{\"schema_version\":5,\"request_id\":\"req_no_time\",\"ts_start\":\"soon\"}";
        String notJson = "{\"schema_version\":5,\"request_id\":\"req_cut\",\"ts_start\":\"" + T0 + "\"";
        FileUsageJournal killed = new FileUsageJournal(dataDir.resolve("journal/usage"), Clock.systemUTC(), false);
        for (String line : List.of(newer, current("req_current"), newerNoTime, notJson)) {
            killed.append((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        killed.sync();
        killed.close();

        Counts counts = new Counts();
        UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dataDir),
                new FileSystemUsageSpool(dataDir.resolve("spool")),
                new FileUsageJournal(dataDir.resolve("journal/usage"), Clock.systemUTC(), false),
                Clock.systemUTC(),
                1000);
        writer.setListener(counts);
        int recovered = writer.recoverJournal();
        writer.close();

        assertThat(recovered).as("records this version reads").isEqualTo(1);
        assertThat(counts.torn).as("only the line that is not JSON is torn").isEqualTo(1);
        assertThat(counts.newer).as("the newer schema's whole lines").isEqualTo(2);
        FileUsageJournal next = new FileUsageJournal(dataDir.resolve("journal/usage"), Clock.systemUTC(), false);
        assertThat(next.pending())
                .flatExtracting(UsageJournal.Segment::lines)
                .as("the segment is discarded once all of it is delivered (the one the stop left is empty)")
                .isEmpty();
        next.close();

        List<String> lines = objectLines(dataDir.resolve(UsageLayout.hourPrefix(T0)));
        assertThat(lines)
                .as("the hour's objects: the newer line byte for byte, beside this version's record")
                .contains(newer)
                .anySatisfy(l -> assertThat(l).contains("req_current"))
                .noneSatisfy(l -> assertThat(l).contains("req_cut"));
        List<String> everyHour = objectLines(dataDir.resolve(UsageLayout.ROOT));
        assertThat(everyHour)
                .as("a newer line without a readable ts_start goes to the hour its segment was opened")
                .contains(newerNoTime);

        List<String> read = new ArrayList<>();
        UsageLogReader.ReadStats stats = UsageLogReader.create(new FileSystemObjectStore(dataDir))
                .read(
                        T0.minus(2, ChronoUnit.HOURS),
                        Instant.now().plus(2, ChronoUnit.HOURS),
                        r -> read.add(r.requestId()));
        assertThat(read).as("this version counts its own record").containsExactly("req_current");
        assertThat(String.join("\n", stats.warnings()))
                .as("and says why it skips the others")
                .contains("newer Spendgate");
    }

    private static String current(String requestId) {
        return "{\"schema_version\":4,\"request_id\":\"" + requestId + "\",\"ts_start\":\"" + T0
                + "\",\"ts_end\":\"" + T0.plusMillis(900) + "\",\"key_id\":\"key_1\",\"feature\":\"chatbot\","
                + "\"department\":\"engineering\",\"team\":null,\"environment\":\"prod\",\"session\":null,"
                + "\"user\":null,\"run\":null,\"attributed\":true,\"provider\":\"openai\","
                + "\"endpoint\":\"chat.completions\",\"model_requested\":\"gpt-4o\",\"model_served\":\"gpt-4o-2024-08-06\","
                + "\"stream\":false,\"status_code\":200,\"input_tokens\":1000,\"cached_input_tokens\":0,"
                + "\"cache_write_tokens\":0,\"cache_write_1h_tokens\":0,\"output_tokens\":100,\"reasoning_tokens\":0,"
                + "\"cost_usd\":\"0.0035\",\"pricing_status\":\"priced\",\"pricing_version\":\"2026-12-05\","
                + "\"usage_source\":\"provider\",\"latency_ms\":900,\"upstream_ms\":890,\"overhead_ms\":10}";
    }

    /** The lines of every gzip object under {@code dir}. */
    private static List<String> objectLines(Path dir) throws Exception {
        List<String> lines = new ArrayList<>();
        if (!Files.exists(dir)) {
            return lines;
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".ndjson.gz")).toList()) {
                try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(Files.readAllBytes(p)))) {
                    lines.addAll(List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")));
                }
            }
        }
        return lines;
    }

    private static final class Counts implements UsageLogWriter.FlushListener {
        int torn;
        int newer;

        @Override
        public void recovered(String segmentId, int records, int torn) {
            this.torn += torn;
        }

        @Override
        public void recoveredNewerSchema(String segmentId, int lines) {
            newer += lines;
        }
    }
}
