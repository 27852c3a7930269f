package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A power loss that cuts a journal's last line short inside a multi-byte UTF-8 character: the model a client asks
 * for is free text (JsonBodyApi: a non-empty string; RequestLimits: at most so many characters), kept in the usage
 * record and in the admitted call's reservation entry. SegmentedLog promises: "Lines are read back
 * whole: a line cut short by a power loss (no newline) is left out"; the README: a power loss takes "up to about a
 * second of records and settlements", not the start. The segment is read with {@code Files.readString}, which rejects
 * the whole file on the cut character, so the start fails and the whole lines before the cut are not recovered.
 */
class TornMultibyteLineTest {
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    /** A model name is free text (any non-empty string up to its length limit), kept in every record. */
    private static final String MODEL = "modèle-local";

    @TempDir
    Path live;

    @TempDir
    Path afterPowerLoss;

    @Test
    void usageJournal_lastLineTornInsideACharacter_wholeLinesAreRecovered() throws Exception {
        UsageLogWriter before = writer(live);
        before.append(record("whole"));
        before.append(record("torn"));
        copy(live, afterPowerLoss);
        cutInsideTheLastMultibyteCharacter(onlySegment(afterPowerLoss.resolve("journal/usage")));

        UsageLogWriter after = writer(afterPowerLoss);
        int recovered = after.recoverJournal();
        after.close();

        assertThat(recovered).as("the whole line before the cut").isEqualTo(1);
        List<String> ids = new ArrayList<>();
        UsageLogReader.create(new FileSystemObjectStore(afterPowerLoss))
                .read(T0.minus(1, ChronoUnit.HOURS), T0.plus(1, ChronoUnit.HOURS), r -> ids.add(r.requestId()));
        assertThat(ids).containsExactly("whole");
        before.close();
    }

    @Test
    void reservationLog_lastLineTornInsideACharacter_journalOpensWithTheWholeEntries() throws Exception {
        FileReservationJournal journal = new FileReservationJournal(live.resolve("reservations.json"));
        admit(journal, "whole");
        admit(journal, "torn");
        copy(live, afterPowerLoss); // power loss: the second admission's line cut short
        cutInsideTheLastMultibyteCharacter(onlySegment(afterPowerLoss.resolve("reservations.json.journal")));

        FileReservationJournal next = new FileReservationJournal(afterPowerLoss.resolve("reservations.json"));
        try {
            assertThat(next.retain(open -> true))
                    .extracting(ReservationJournal.OpenReservation::id)
                    .as("the call admitted before the cut is found (to be charged), the torn line left out")
                    .containsExactly("whole");
        } finally {
            next.close();
            journal.close();
        }
    }

    private static void admit(FileReservationJournal journal, String id) {
        journal.open(new ReservationJournal.OpenReservation(
                id,
                List.of("budget#global#2026-12"),
                new BigDecimal("0.05"),
                T0.plus(15, ChronoUnit.MINUTES),
                true,
                new ReservationJournal.Call(
                        "req-" + id,
                        T0,
                        "key_1",
                        Attribution.NONE,
                        "openai",
                        null,
                        "chat.completions",
                        MODEL,
                        MODEL,
                        false)));
        journal.confirm(id);
    }

    /** Cuts {@code file} just after the first byte of its last two-byte character (the last line's). */
    private static void cutInsideTheLastMultibyteCharacter(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        int lead = -1;
        for (int i = bytes.length - 1; i >= 0; i--) {
            if ((bytes[i] & 0xE0) == 0xC0) {
                lead = i;
                break;
            }
        }
        int lastLineStart = 0;
        for (int i = bytes.length - 2; i >= 0; i--) {
            if (bytes[i] == '\n') {
                lastLineStart = i + 1;
                break;
            }
        }
        assertThat(lead).as("a two-byte character in the last line").isGreaterThanOrEqualTo(lastLineStart);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(lead + 1);
        }
    }

    private static Path onlySegment(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> nonEmpty = files.filter(p -> p.toString().endsWith(".ndjson"))
                    .filter(p -> p.toFile().length() > 0)
                    .toList();
            assertThat(nonEmpty).hasSize(1);
            return nonEmpty.get(0);
        }
    }

    private static UsageLogWriter writer(Path dir) {
        return UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                new FileUsageJournal(dir.resolve("journal/usage"), Clock.systemUTC(), false),
                Clock.systemUTC(),
                1000);
    }

    private static UsageRecord record(String id) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(T0)
                .tsEnd(T0.plusMillis(300))
                .keyId("key_1")
                .attribution(new Attribution("chatbot", "engineering", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested(MODEL)
                .statusCode(200)
                .tokens(TokenUsage.openAi(100, 0, 20, 0))
                .costUsd(new BigDecimal("0.01"))
                .pricingStatus(PricingStatus.PRICED)
                .pricingVersion("2026-11-28")
                .usageSource(UsageSource.PROVIDER)
                .build();
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().endsWith(".lock")) {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
