package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.domain.budget.ReservationJournal.OpenReservation;
import dev.spendgate.testing.contract.ReservationJournalContract;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileReservationJournalTest extends ReservationJournalContract {
    private static final Instant EXPIRES = Instant.parse("2026-11-28T15:15:00.123456789Z");

    @TempDir
    Path dir;

    @Override
    protected ReservationJournal newJournal() {
        return new FileReservationJournal(dir.resolve("reservations.json"));
    }

    @Override
    protected ReservationJournal reopenJournal() {
        return new FileReservationJournal(dir.resolve("reservations.json"));
    }

    @Test
    void open_writesTheEntryBeforeReturning() throws IOException {
        Path file = dir.resolve("reservations.json");

        new FileReservationJournal(file)
                .open(new OpenReservation("r-1", List.of("budget#b", "budget#a"), new BigDecimal("0.00925"), EXPIRES));

        String json = Files.readString(file);
        assertThat(json)
                .contains("\"r-1\"")
                .contains("\"amount\" : \"0.00925\"")
                .contains("\"expiresAt\" : \"2026-11-28T15:15:00.123456789Z\"")
                .containsPattern("\"itemKeys\" : \\[ \"budget#b\", \"budget#a\" \\]");
    }

    @Test
    void open_nanosecondExpiry_keepsFullPrecision() {
        Path file = dir.resolve("reservations.json");
        new FileReservationJournal(file)
                .open(new OpenReservation("r-1", List.of("budget#a"), new BigDecimal("0.1"), EXPIRES));

        List<OpenReservation> expired = new FileReservationJournal(file).expired(EXPIRES.plusNanos(1), 10);

        assertThat(expired).extracting(OpenReservation::expiresAt).containsExactly(EXPIRES);
        assertThat(new FileReservationJournal(file).expired(EXPIRES, 10)).isEmpty();
    }

    @Test
    void remove_lastEntry_leavesAnEmptyJournalFile() throws IOException {
        Path file = dir.resolve("reservations.json");
        FileReservationJournal journal = new FileReservationJournal(file);
        journal.open(new OpenReservation("r-1", List.of("budget#a"), new BigDecimal("0.1"), EXPIRES));

        journal.remove("r-1");

        assertThat(Files.readString(file)).doesNotContain("r-1").contains("\"reservations\" : { }");
    }

    @Test
    void remove_unknownId_writesNothing() {
        Path file = dir.resolve("reservations.json");

        assertThat(new FileReservationJournal(file).remove("r-1")).isFalse();

        assertThat(file).doesNotExist();
    }

    @Test
    void expired_invalidFile_throwsIllegalStateExceptionNamingIt() throws IOException {
        Path file = dir.resolve("reservations.json");
        Files.writeString(file, "{\"version\": 2, \"reservations\": {}}");

        assertThatThrownBy(() -> new FileReservationJournal(file).expired(EXPIRES, 10))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("format version 2");
    }

    @Test
    void expired_handWrittenNumberAmount_isReadExactly() throws IOException {
        Path file = dir.resolve("reservations.json");
        Files.writeString(file, """
                {"version": 1, "reservations": {"r-1": {"itemKeys": ["budget#a"], "amount": 0.00000005,
                 "expiresAt": "2026-11-28T15:15:00Z"}}}
                """);

        List<OpenReservation> expired =
                new FileReservationJournal(file).expired(Instant.parse("2026-11-28T16:00:00Z"), 10);

        assertThat(expired).extracting(OpenReservation::amount).containsExactly(new BigDecimal("0.00000005"));
    }
}
