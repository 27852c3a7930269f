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
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileReservationJournalTest extends ReservationJournalContract {
    private static final Instant EXPIRES = Instant.parse("2026-11-28T15:15:00.123456789Z");
    private static final List<String> ITEM_KEYS = List.of("budget#b", "budget#a");

    @TempDir
    Path dir;

    private final List<FileReservationJournal> opened = new ArrayList<>();
    private FileReservationJournal current;

    @Override
    protected ReservationJournal newJournal() {
        current = open();
        return current;
    }

    @Override
    protected ReservationJournal reopenJournal() {
        current.close();
        current = open();
        return current;
    }

    @Override
    protected boolean instancesShareLiveState() {
        return false;
    }

    @AfterEach
    void closeAll() {
        opened.forEach(FileReservationJournal::close);
    }

    @Test
    void open_isWrittenByFlushNotBeforeReturning() throws IOException {
        current.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.00925"), EXPIRES));

        assertThat(current.file()).doesNotExist();
        current.flush();

        String json = Files.readString(current.file());
        assertThat(json)
                .contains("\"version\" : 1")
                .contains("\"r-1\"")
                .contains("\"amount\" : \"0.00925\"")
                .contains("\"expiresAt\" : \"2026-11-28T15:15:00.123456789Z\"")
                .containsPattern("\"itemKeys\" : \\[ \"budget#b\", \"budget#a\" \\]");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(current.file())))
                .isEqualTo("rw-------");
    }

    @Test
    void changesNotFlushed_areNotInTheFile() throws IOException {
        current.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.1"), EXPIRES));
        current.flush();

        current.open(new OpenReservation("r-2", ITEM_KEYS, new BigDecimal("0.2"), EXPIRES));
        current.remove("r-1");

        assertThat(Files.readString(current.file())).contains("\"r-1\"").doesNotContain("\"r-2\"");
        assertThat(current.expired(EXPIRES.plusSeconds(1), 10))
                .extracting(OpenReservation::id)
                .containsExactly("r-2");
    }

    @Test
    void close_thenNewInstance_seesEveryOpenEntry() {
        for (int i = 0; i < 10; i++) {
            current.open(new OpenReservation(
                    "r-" + i, ITEM_KEYS.subList(0, 1 + i % 2), new BigDecimal("0.0" + i), EXPIRES.plusMillis(i)));
        }
        current.remove("r-3");
        current.remove("r-7");

        current.close();
        FileReservationJournal reopened = open();

        List<OpenReservation> expired = reopened.expired(EXPIRES.plusSeconds(1), 100);
        assertThat(expired)
                .extracting(OpenReservation::id)
                .containsExactly("r-0", "r-1", "r-2", "r-4", "r-5", "r-6", "r-8", "r-9");
        for (OpenReservation open : expired) {
            int i = Integer.parseInt(open.id().substring(2));
            assertThat(open.itemKeys()).containsExactlyElementsOf(ITEM_KEYS.subList(0, 1 + i % 2));
            assertThat(open.amount()).isEqualByComparingTo("0.0" + i);
            assertThat(open.expiresAt()).isEqualTo(EXPIRES.plusMillis(i));
        }
        assertThat(reopened.remove("r-3")).isFalse();
        assertThat(reopened.remove("r-4")).isTrue();
    }

    @Test
    void open_nanosecondExpiry_keepsFullPrecision() {
        current.open(new OpenReservation("r-1", List.of("budget#a"), new BigDecimal("0.1"), EXPIRES));
        current.close();

        FileReservationJournal reopened = open();

        assertThat(reopened.expired(EXPIRES.plusNanos(1), 10))
                .extracting(OpenReservation::expiresAt)
                .containsExactly(EXPIRES);
        assertThat(reopened.expired(EXPIRES, 10)).isEmpty();
    }

    @Test
    void remove_lastEntry_flushesAnEmptyJournalFile() throws IOException {
        current.open(new OpenReservation("r-1", List.of("budget#a"), new BigDecimal("0.1"), EXPIRES));
        current.flush();

        current.remove("r-1");
        current.flush();

        assertThat(Files.readString(current.file())).doesNotContain("r-1").contains("\"reservations\" : { }");
    }

    @Test
    void remove_unknownId_writesNothing() {
        assertThat(current.remove("r-1")).isFalse();

        current.flush();
        current.close();

        assertThat(current.file()).doesNotExist();
    }

    @Test
    void flush_nothingChangedSinceLastFlush_writesNothing() throws IOException {
        current.flush();
        assertThat(current.file()).as("nothing ever changed").doesNotExist();

        current.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.1"), EXPIRES));
        current.flush();
        Files.delete(current.file());

        current.flush();
        current.remove("r-unknown"); // no change
        current.flush();
        current.expired(EXPIRES.plusSeconds(1), 10);
        current.flush();

        assertThat(current.file()).doesNotExist();
        current.remove("r-1");
        current.flush();
        assertThat(current.file()).exists();
    }

    @Test
    void constructor_whileAnotherInstanceOwnsTheFile_throwsIllegalStateException() {
        current.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.1"), EXPIRES));

        assertThatThrownBy(() -> new FileReservationJournal(dir.resolve("reservations.json")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("in use")
                .hasMessageContaining("reservations.json");
        assertThat(current.remove("r-1")).as("the owner still works").isTrue();

        current.close();
        assertThat(open().expired(EXPIRES.plusSeconds(1), 10)).isEmpty();
    }

    @Test
    void changes_afterClose_throwIllegalStateExceptionAndCloseIsIdempotent() {
        current.open(new OpenReservation("r-1", ITEM_KEYS, new BigDecimal("0.1"), EXPIRES));
        current.close();
        current.close();

        assertThatThrownBy(() -> current.open(new OpenReservation("r-2", ITEM_KEYS, BigDecimal.ONE, EXPIRES)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> current.remove("r-1")).isInstanceOf(IllegalStateException.class);
        assertThat(open().expired(EXPIRES.plusSeconds(1), 10))
                .extracting(OpenReservation::id)
                .containsExactly("r-1");
    }

    @Test
    void concurrentOpensRemovesAndFlushes_closeLeavesExactlyTheOpenEntries() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Void>> parties = new ArrayList<>();
            for (int p = 0; p < threads; p++) {
                int party = p;
                parties.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 200; i++) {
                        String id = "r-" + party + "-" + i;
                        current.open(new OpenReservation(id, ITEM_KEYS, new BigDecimal("0.01"), EXPIRES));
                        if (i % 2 == 0 && !current.remove(id)) {
                            throw new AssertionError("could not remove " + id);
                        }
                        if (i % 50 == 0) {
                            current.flush();
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<Void> party : parties) {
                party.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        current.close();

        List<String> expected = IntStream.range(0, threads)
                .boxed()
                .flatMap(
                        party -> IntStream.range(0, 200).filter(i -> i % 2 == 1).mapToObj(i -> "r-" + party + "-" + i))
                .toList();
        assertThat(open().expired(EXPIRES.plusSeconds(1), 10_000))
                .extracting(OpenReservation::id)
                .containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void constructor_invalidFile_throwsIllegalStateExceptionNamingItAndReleasesIt() throws IOException {
        current.close();
        Path file = dir.resolve("reservations.json");
        Files.writeString(file, "{\"version\": 2, \"reservations\": {}}");

        assertThatThrownBy(this::open)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("format version 2");

        Files.delete(file);
        assertThat(open().expired(EXPIRES, 10)).isEmpty();
    }

    @Test
    void constructor_handWrittenNumberAmount_isReadExactly() throws IOException {
        current.close();
        Files.writeString(dir.resolve("reservations.json"), """
                {"version": 1, "reservations": {"r-1": {"itemKeys": ["budget#a"], "amount": 0.00000005,
                 "expiresAt": "2026-11-28T15:15:00Z"}}}
                """);

        List<OpenReservation> expired = open().expired(Instant.parse("2026-11-28T16:00:00Z"), 10);

        assertThat(expired).extracting(OpenReservation::amount).containsExactly(new BigDecimal("0.00000005"));
    }

    @Test
    void line_randomEntries_sameBytesAsTheEntrysTree() {
        java.util.Random random = new java.util.Random(13);
        for (int i = 0; i < 2_000; i++) {
            OpenReservation open = randomEntry(random);

            assertThat(new String(FileReservationJournal.line(open), java.nio.charset.StandardCharsets.UTF_8))
                    .as("entry %d", i)
                    .isEqualTo(
                            new String(FileReservationJournal.treeLine(open), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private static OpenReservation randomEntry(java.util.Random random) {
        List<String> itemKeys = new ArrayList<>();
        for (int k = random.nextInt(4); k > 0; k--) {
            itemKeys.add(randomText(random));
        }
        BigDecimal amount = BigDecimal.valueOf(random.nextLong(1, Long.MAX_VALUE), random.nextInt(-3, 20));
        Instant expires = Instant.ofEpochSecond(random.nextLong(0, 4_000_000_000L), random.nextInt(1_000_000_000));
        ReservationJournal.Call call = random.nextInt(4) == 0
                ? null
                : new ReservationJournal.Call(
                        "req-" + randomText(random),
                        expires.minusNanos(random.nextInt(1_000_000_000)),
                        maybe(random),
                        new dev.spendgate.domain.attribution.Attribution(
                                label(random),
                                label(random),
                                label(random),
                                label(random),
                                label(random),
                                label(random),
                                label(random)),
                        maybe(random),
                        maybe(random),
                        maybe(random),
                        maybe(random),
                        maybe(random),
                        random.nextBoolean());
        return new OpenReservation(randomText(random), itemKeys, amount, expires, random.nextBoolean(), call);
    }

    /** An attribution value (letters, digits and . _ - : / @), or null. */
    private static String label(java.util.Random random) {
        if (random.nextInt(3) == 0) {
            return null;
        }
        String alphabet = "abcXYZ019._-:/@";
        StringBuilder text = new StringBuilder();
        for (int n = 1 + random.nextInt(30); n > 0; n--) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }

    private static String maybe(java.util.Random random) {
        return random.nextInt(3) == 0 ? null : randomText(random);
    }

    /** Letters, quotes, backslashes, control characters, non-ASCII and surrogate pairs: every escaping path. */
    private static String randomText(java.util.Random random) {
        String alphabet = "ab:#-_ \"\\/\n\t\u0001\u001fé€日\u2028";
        StringBuilder text = new StringBuilder("x");
        for (int n = random.nextInt(40); n > 0; n--) {
            if (random.nextInt(20) == 0) {
                text.appendCodePoint(0x1F600 + random.nextInt(50));
            } else {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
        }
        return text.toString();
    }

    private FileReservationJournal open() {
        FileReservationJournal journal = new FileReservationJournal(dir.resolve("reservations.json"));
        opened.add(journal);
        return journal;
    }
}
