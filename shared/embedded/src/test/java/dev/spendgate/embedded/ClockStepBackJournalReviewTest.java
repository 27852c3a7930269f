package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The budget ledger's journal ({@code budgets/ledger.json.journal/}) when NTP steps the machine's clock back while the
 * local gateway runs. {@link FileBudgetLedger#flush} rotates the journal and discards "the segment rotated by the
 * snapshot before this one", keeping the one it just closed until the next flush: that segment names the calls
 * ({@code rid}) that settled after the reservation journal's last flush, which the next start must not charge again at
 * their worst case. Segment ids are the wall clock's milliseconds, so after a step back the segment just closed sorts
 * before the kept one, and {@code discard(kept)} deletes it too.
 */
class ClockStepBackJournalReviewTest {
    @TempDir
    Path dir;

    /** A clock the test steps, as NTP would. */
    private static final class SteppedClock extends Clock {
        Instant now = Instant.parse("2026-12-06T10:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void clockSteppedBack_flushKeepsTheSegmentItJustClosed_soASettledCallIsNotChargedAgainAfterACrash() {
        SteppedClock clock = new SteppedClock();
        SegmentedLog journal = new SegmentedLog(dir, clock, false);
        // the ledger's flush once a second, as FileBudgetLedger#flush and #discardClosedSegment do it
        journal.append(settlement(1, "res-1"));
        clock.now = clock.now.plusSeconds(1);
        String kept = flush(journal, null); // flush 1

        clock.now = clock.now.minus(Duration.ofMinutes(30)); // NTP steps the clock back half an hour
        journal.append(settlement(2, "res-2"));
        kept = flush(journal, kept); // flush 2
        journal.append(settlement(3, "res-3")); // a call settles after the reservation journal's flush 3
        clock.now = clock.now.plusSeconds(1);
        String closed = flush(journal, kept); // flush 3: must keep the segment holding res-3 until flush 4
        // the process is killed here (SIGKILL, OOM): no close

        SegmentedLog restarted = new SegmentedLog(dir, clock, false);
        List<String> lines =
                restarted.pending().stream().flatMap(s -> s.lines().stream()).toList();
        assertThat(lines)
                .as("journal lines after the crash; the segment " + closed + " closed by the last flush must be kept")
                .anySatisfy(l -> assertThat(l).contains("res-3"));
        restarted.close();
    }

    /** One ledger flush: rotate into a prepared segment, drop the segment kept since the flush before. */
    private static String flush(SegmentedLog journal, String kept) {
        journal.prepareRotation();
        String closed = journal.rotate();
        if (kept != null) {
            journal.discard(kept);
        }
        return closed;
    }

    private static byte[] settlement(long seq, String rid) {
        return ("{\"seq\":" + seq + ",\"rid\":\"" + rid + "\",\"items\":[{\"key\":\"budget#global#daily#2026-12-06\","
                        + "\"reserved\":\"0.05\",\"actual\":\"0.01\"}]}\n")
                .getBytes(StandardCharsets.UTF_8);
    }
}
