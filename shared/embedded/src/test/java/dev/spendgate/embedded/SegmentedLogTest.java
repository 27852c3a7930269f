package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageJournal.Segment;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
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
