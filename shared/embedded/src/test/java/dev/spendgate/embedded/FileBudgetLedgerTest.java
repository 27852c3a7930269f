package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.budget.BudgetLedger;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.testing.contract.BudgetLedgerContract;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBudgetLedgerTest extends BudgetLedgerContract {
    private static final String ITEM = "budget#feature:chatbot#monthly#2026-11";

    @TempDir
    Path dir;

    private final List<FileBudgetLedger> opened = new ArrayList<>();
    private FileBudgetLedger current;

    @Override
    protected BudgetLedger newLedger() {
        current = open();
        return current;
    }

    @Override
    protected BudgetLedger reopenLedger() {
        current.close();
        current = open();
        return current;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(FileBudgetLedger::close);
    }

    @Test
    void utf8_randomTexts_areTheirStringsUtf8Bytes() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(23);
        for (int n = 0; n < 3_000; n++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(400);
            while (text.length() < length) {
                switch (random.nextInt(30)) {
                    case 0 -> text.append((char) (0x80 + random.nextInt(0x700)));
                    case 1 -> text.appendCodePoint(0x1F600 + random.nextInt(60));
                    case 2 -> text.append((char) 0xD83D); // unpaired: '?'
                    default -> text.append((char) random.nextInt(0x80));
                }
            }
            assertThat(FileBudgetLedger.utf8(text))
                    .isEqualTo(text.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void flush_thenReadSnapshot_returnsExactCountersOrderedByKey() {
        FileBudgetLedger ledger = current;
        ledger.reserve("budget#b", usd("1"), usd("0.30"));
        ledger.settle("budget#a", BigDecimal.ZERO, usd("0.00000005"));

        ledger.flush();

        SortedMap<String, BudgetState> snapshot = FileBudgetLedger.readSnapshot(ledger.file());
        assertThat(snapshot).containsOnlyKeys("budget#a", "budget#b");
        assertThat(snapshot.firstKey()).isEqualTo("budget#a");
        assertThat(snapshot.get("budget#a")).isEqualTo(new BudgetState(usd("0.00000005"), usd("0"), usd("0.00000005")));
        assertThat(snapshot.get("budget#b")).isEqualTo(new BudgetState(usd("0"), usd("0.30"), usd("0.30")));
    }

    @Test
    void readSnapshot_changesNotFlushed_areNotInTheFile() {
        FileBudgetLedger ledger = current;
        ledger.reserve(ITEM, usd("1"), usd("0.30"));
        ledger.flush();

        ledger.reserve(ITEM, usd("1"), usd("0.20"));

        assertState(FileBudgetLedger.readSnapshot(ledger.file()).get(ITEM), "0", "0.30", "0.30");
        assertState(ledger.snapshot().get(ITEM), "0", "0.50", "0.50");
    }

    @Test
    void readOnly_whileTheOwnerRuns_answersFromTheLastFlushAndRefusesChanges() {
        current.reserve(ITEM, usd("1"), usd("0.30"));
        current.flush();

        BudgetLedger cli = FileBudgetLedger.readOnly(current.file());

        assertState(cli.state(ITEM).orElseThrow(), "0", "0.30", "0.30");
        assertThat(cli.state("budget#unknown")).isEmpty();
        assertThatThrownBy(() -> cli.reserve(ITEM, usd("1"), usd("0.10")))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> cli.settle(ITEM, usd("0"), usd("0.10")))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> cli.release(ITEM, usd("0.10"))).isInstanceOf(UnsupportedOperationException.class);
        assertThat(FileBudgetLedger.readOnly(dir.resolve("none.json")).state(ITEM))
                .isEmpty();
    }

    /**
     * At start, a call killed in flight is held at its worst case although the flushed file reserved less for it (it
     * was admitted after the last flush): the start-up log names what was given back, never a negative amount.
     */
    @Test
    void resetReservations_holdingMoreThanTheFileReserved_reportsOnlyWhatWasGivenBack() {
        FileBudgetLedger ledger = current;
        ledger.reserve("budget#a", usd("1"), usd("0.10")); // its call died; held at 0.25 below
        ledger.reserve("budget#b", usd("1"), usd("0.05")); // its call settled or never got going

        FileBudgetLedger.Released released =
                ledger.resetReservations(java.util.Map.of("budget#a", usd("0.25"), "budget#c", usd("0.07")));

        assertThat(released.items()).isEqualTo(1);
        assertThat(released.amount()).isEqualByComparingTo("0.05");
        assertThat(ledger.state("budget#a").orElseThrow().reserved()).isEqualByComparingTo("0.25");
        assertThat(ledger.state("budget#b").orElseThrow().reserved()).isEqualByComparingTo("0");
        assertThat(ledger.state("budget#c").orElseThrow().committed()).isEqualByComparingTo("0.07");
    }

    @Test
    void readSnapshot_noFile_isEmpty() {
        assertThat(FileBudgetLedger.readSnapshot(dir.resolve("none.json"))).isEmpty();
    }

    @Test
    void flush_writesAnOwnerOnlyFileWithDecimalStrings() throws IOException {
        current.settle(ITEM, BigDecimal.ZERO, usd("1E-8"));

        current.flush();

        String json = Files.readString(current.file());
        assertThat(json).contains("\"spent\" : \"0.00000001\"").doesNotContain("E-8");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(current.file())))
                .isEqualTo("rw-------");
    }

    @Test
    void flush_nothingChangedSinceLastFlush_writesNothing() throws IOException {
        current.reserve(ITEM, usd("1"), usd("0.30"));
        current.flush();
        Files.delete(current.file());

        current.reserve(ITEM, usd("0.10"), usd("0.50")); // refused: no change
        current.flush();

        assertThat(current.file()).doesNotExist();
        current.release(ITEM, usd("0.30"));
        current.flush();
        assertThat(current.file()).exists();
    }

    @Test
    void constructor_whileAnotherInstanceOwnsTheFile_throwsIllegalStateException() {
        assertThatThrownBy(() -> new FileBudgetLedger(dir.resolve("budget-ledger.json")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("in use");

        current.close();
        assertThat(open().state(ITEM)).isEmpty();
    }

    @Test
    void changes_afterClose_throwIllegalStateExceptionAndCloseIsIdempotent() {
        current.reserve(ITEM, usd("1"), usd("0.30"));
        current.close();
        current.close();

        assertThatThrownBy(() -> current.reserve(ITEM, usd("1"), usd("0.10")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> current.settle(ITEM, usd("0.30"), usd("0.10")))
                .isInstanceOf(IllegalStateException.class);
        assertState(FileBudgetLedger.readSnapshot(current.file()).get(ITEM), "0", "0.30", "0.30");
    }

    @Test
    void constructor_fileWrittenByHandWithNumbers_readsThemExactly() throws IOException {
        current.close();
        Files.writeString(dir.resolve("budget-ledger.json"), """
                {"version": 1, "items": {"%s": {"spent": 0.1, "reserved": "0.20", "committed": 0.3}}}
                """.formatted(ITEM));

        FileBudgetLedger ledger = open();

        assertThat(ledger.state(ITEM)).contains(new BudgetState(usd("0.1"), usd("0.20"), usd("0.3")));
        assertThat(ledger.reserve(ITEM, usd("1"), usd("0.7")).granted()).isTrue();
    }

    @Test
    void constructor_corruptFile_throwsIllegalStateExceptionNamingTheFileAndReleasesIt() throws IOException {
        current.close();
        Files.writeString(dir.resolve("budget-ledger.json"), "{not json");

        assertThatThrownBy(this::open)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("budget-ledger.json");

        Files.delete(dir.resolve("budget-ledger.json"));
        assertThat(open().state(ITEM)).isEmpty();
    }

    private FileBudgetLedger open() {
        FileBudgetLedger ledger = new FileBudgetLedger(dir.resolve("budget-ledger.json"));
        opened.add(ledger);
        return ledger;
    }
}
