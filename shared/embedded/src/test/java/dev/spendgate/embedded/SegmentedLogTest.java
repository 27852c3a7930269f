package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageJournal.Segment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentedLogTest {
    @TempDir
    Path dir;

    @Test
    void rotate_afterPrepareRotation_startsThePreparedSegmentAndCreatesNoFile() throws IOException {
        SegmentedLog log = new SegmentedLog(dir, Clock.systemUTC(), false);
        log.append(line("a"));
        log.prepareRotation();
        log.prepareRotation(); // one prepared segment, however often asked
        List<Path> before = files();
        assertThat(before).hasSize(2);

        String closed = log.rotate();
        log.append(line("b"));

        assertThat(files()).as("the rotation opened no file of its own").isEqualTo(before);
        assertThat(closed).isEqualTo(name(before.get(0)));
        assertThat(Files.readString(before.get(1))).isEqualTo("{\"r\":\"b\"}\n");
        log.close();
    }

    @Test
    void pending_leavesOutThePreparedSegment_andCloseDeletesIt() throws IOException {
        SegmentedLog log = new SegmentedLog(dir, Clock.systemUTC(), false);
        log.append(line("a"));
        log.rotate();
        log.append(line("b"));
        log.prepareRotation();

        assertThat(log.pending()).extracting(Segment::lines).containsExactly(List.of("{\"r\":\"a\"}"));
        log.close();

        assertThat(files())
                .as("the closed segment, and the open one; not the unused prepared one")
                .hasSize(2);
        SegmentedLog next = new SegmentedLog(dir, Clock.systemUTC(), false);
        assertThat(next.pending())
                .extracting(Segment::lines)
                .containsExactly(List.of("{\"r\":\"a\"}"), List.of("{\"r\":\"b\"}"));
        next.close();
    }

    @Test
    void pending_aWholeLineThatIsNotUtf8_isLeftOutAndCounted_theOthersRead() throws IOException {
        SegmentedLog log = new SegmentedLog(dir, Clock.systemUTC(), false);
        log.append(line("modèle"));
        log.append(new byte[] {'{', (byte) 0xC3, '}', '\n'}); // damaged: a lead byte without its continuation
        log.append(line("b"));
        log.append(new byte[] {'{', '"', (byte) 0xC3}); // the tail a power loss cut, inside a character
        log.rotate();

        Segment segment = log.pending().get(0);
        assertThat(segment.lines()).containsExactly("{\"r\":\"modèle\"}", "{\"r\":\"b\"}");
        assertThat(segment.undecodable())
                .as("the damaged whole line, reported as torn")
                .isEqualTo(1);
        log.close();
    }

    /**
     * A rotation does not force the closed segment; the next sync forces each closed one still kept (its records not
     * saved, or an earlier process's), so a power loss takes at most a sync interval of them too. One discarded
     * first is not forced.
     */
    @Test
    void sync_forcesClosedSegmentsStillKept_notDiscardedOnes() throws IOException {
        List<String> forced = new ArrayList<>();
        SegmentedLog log = new SegmentedLog(dir, Clock.systemUTC(), false, channel -> {
            forced.add(String.valueOf(channel.size()));
            channel.force(false);
        });
        log.append(line("a"));
        String saved = log.rotate();
        log.append(line("bb"));
        String kept = log.rotate();
        log.discard(saved); // the first segment's records were saved; the second's were not
        log.sync();

        assertThat(forced)
                .as("the kept segment (11 bytes), not the discarded one")
                .containsExactly("11");
        log.sync();
        assertThat(forced).as("not again").hasSize(1);
        assertThat(log.pending()).extracting(Segment::id).containsExactly(kept);
        log.close();

        List<String> forcedAtStart = new ArrayList<>();
        SegmentedLog next = new SegmentedLog(dir, Clock.systemUTC(), false, channel -> {
            forcedAtStart.add(String.valueOf(channel.size()));
            channel.force(false);
        });
        next.sync();
        assertThat(forcedAtStart)
                .as("the earlier process's segments, which a SIGKILL may have left in the page cache only")
                .containsExactlyInAnyOrder("11", "0");
        next.close();
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    private static String name(Path segment) {
        String file = segment.getFileName().toString();
        return file.substring(0, file.length() - ".ndjson".length());
    }

    private static byte[] line(String id) {
        return ("{\"r\":\"" + id + "\"}\n").getBytes(StandardCharsets.UTF_8);
    }
}
