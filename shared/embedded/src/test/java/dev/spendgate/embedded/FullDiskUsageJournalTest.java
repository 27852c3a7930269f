package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogReader;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local usage log on a real full disk (a 1 MiB tmpfs mounted for the test; skipped where it may not be mounted).
 * README, "Usage record", what survives a full disk: "a journal write that fails is cut back off the file and
 * retried; while it fails, the call already answered keeps its record in memory and new calls are refused with 503
 * usage_log_unavailable (nothing forwarded) until a retry succeeds (checked every second). A record held in memory is
 * lost only if the process is also killed before space returns." The gateway's admission asks {@code
 * journalFailing() && !retryJournal()} (Admit.java) before forwarding a call.
 */
class FullDiskUsageJournalTest {
    private static final Instant T0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @TempDir
    Path mountPoint;

    @TempDir
    Path afterCrash;

    private boolean mounted;

    @BeforeEach
    void mountTinyDisk() throws Exception {
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint.toString())
                .redirectErrorStream(true)
                .start();
        mounted = mount.waitFor(20, TimeUnit.SECONDS) && mount.exitValue() == 0;
        assumeTrue(mounted, "needs a tmpfs mount (root) to fill a real disk");
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            new ProcessBuilder("umount", "-l", mountPoint.toString()).start().waitFor(20, TimeUnit.SECONDS);
        }
    }

    /**
     * The disk fills; a call's record cannot be journaled (so the gateway refuses the next calls); the once-a-second
     * flush runs (store and spool are on the same full disk). The disk is still full, so the journal is still not
     * writable and the gateway must go on refusing calls. Instead the flush's rotation drops the failed bytes with
     * the old segment and opens a new, empty one, on which the retry's empty append "succeeds": the gateway forwards
     * the next call although no record of it can be written.
     */
    @Test
    void fullDisk_afterAFlush_retryStillReportsTheJournalUnwritable() throws Exception {
        Path dataDir = mountPoint.resolve("data");
        UsageLogWriter writer = writer(dataDir);
        writer.append(record("before-full", "0.01"));

        Path filler = fillDisk(mountPoint.resolve("filler.bin"));
        answerUntilTheJournalFails(writer, new ArrayList<>());
        assertThat(writer.journalFailing()).isTrue();
        assertThat(writer.retryJournal()).as("still full: calls are refused").isFalse();

        writer.flush(); // the gateway's once-a-second flush: the store and the spool fail too

        assertThat(writer.retryJournal())
                .as("the disk is still full: the admission check must keep refusing calls (503)")
                .isFalse();
        Files.delete(filler);
        writer.close();
    }

    /**
     * The disk fills, one call is answered with its record in memory only, the once-a-second flush runs (store and
     * spool fail), then space returns and the retry reports the journal writable again. The process is killed right
     * after (before the next flush delivered the records held in memory). Space had returned, so the next start must
     * find both records; the record answered on the full disk is lost because its journal bytes were dropped with
     * the old segment at the flush's rotation.
     */
    @Test
    void recordAnsweredOnAFullDisk_killedAfterSpaceReturns_isFoundByTheNextStart() throws Exception {
        Path dataDir = mountPoint.resolve("data");
        UsageLogWriter writer = writer(dataDir);
        writer.append(record("before-full", "0.01"));

        Path filler = fillDisk(mountPoint.resolve("filler.bin"));
        List<String> answered = new ArrayList<>(List.of("before-full"));
        answerUntilTheJournalFails(writer, answered);
        writer.flush(); // the gateway's once-a-second flush: the store and the spool fail too
        Files.delete(filler); // space is back
        assertThat(writer.retryJournal()).as("the journal is writable again").isTrue();
        copy(dataDir, afterCrash); // kill -9 here, before the next flush

        UsageLogWriter next = writer(afterCrash);
        next.recoverJournal();
        next.close();
        List<String> ids = new ArrayList<>();
        UsageLogReader.create(new FileSystemObjectStore(afterCrash))
                .read(T0.minus(1, ChronoUnit.HOURS), T0.plus(1, ChronoUnit.HOURS), r -> ids.add(r.requestId()));
        assertThat(ids)
                .as("every answered call's record survives a kill after space returned")
                .containsExactlyInAnyOrderElementsOf(answered);
        writer.close();
    }

    /**
     * Appends records (calls answered) until one cannot be journaled: the journal's last page may still hold a few
     * lines once the disk is full. Adds each id to {@code answered}; the last one is the call whose record is in
     * memory only.
     */
    private static void answerUntilTheJournalFails(UsageLogWriter writer, List<String> answered) {
        for (int i = 0; i < 200; i++) {
            String id = "answered-" + i;
            answered.add(id);
            try {
                writer.append(record(id, "0.02"));
            } catch (UsageLogWriter.UsageJournalException e) {
                return;
            }
        }
        throw new AssertionError("the journal never failed on the full disk");
    }

    private static UsageLogWriter writer(Path dir) {
        return UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                new FileUsageJournal(dir.resolve("journal/usage"), Clock.systemUTC(), false),
                Clock.systemUTC(),
                1000);
    }

    private static UsageRecord record(String id, String cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(T0)
                .tsEnd(T0.plusMillis(300))
                .keyId("key_1")
                .attribution(new Attribution("chatbot", "engineering", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .statusCode(200)
                .tokens(TokenUsage.openAi(100, 0, 20, 0))
                .costUsd(new BigDecimal(cost))
                .pricingStatus(PricingStatus.PRICED)
                .pricingVersion("2026-11-28")
                .usageSource(UsageSource.PROVIDER)
                .build();
    }

    /** Writes {@code file} until the filesystem refuses more (ENOSPC). */
    private static Path fillDisk(Path file) throws IOException {
        byte[] block = new byte[4096];
        try (OutputStream out = Files.newOutputStream(file)) {
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            assertThat(full.getMessage()).containsIgnoringCase("space");
        }
        return file;
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
