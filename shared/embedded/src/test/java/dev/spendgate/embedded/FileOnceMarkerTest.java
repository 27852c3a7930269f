package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.OnceMarker;
import dev.spendgate.testing.contract.OnceMarkerContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileOnceMarkerTest extends OnceMarkerContract {
    private static final Instant T0 = Instant.parse("2026-11-28T15:00:00Z");

    @TempDir
    Path dir;

    @Override
    protected OnceMarker newMarker() {
        return new FileOnceMarker(dir.resolve("markers.json"));
    }

    @Override
    protected OnceMarker reopenMarker() {
        return new FileOnceMarker(dir.resolve("markers.json"));
    }

    @Test
    void markOnce_damagedFile_isSetAsideAndAlertsGoOn() throws IOException {
        Path file = dir.resolve("alerts.json");
        Files.writeString(file, "{\"version\":1,\"markers\":{\"budget:feature:chat"); // cut by a full disk
        FileOnceMarker marker = new FileOnceMarker(file, Clock.fixed(T0, ZoneOffset.UTC));

        assertThat(marker.markOnce("budget:feature:chatbot:2026-11:80", T0.plusSeconds(3600)))
                .as("the alert goes out instead of failing")
                .isTrue();
        assertThat(marker.markOnce("budget:feature:chatbot:2026-11:80", T0.plusSeconds(3600)))
                .isFalse();
        assertThat(Files.readString(file)).contains("budget:feature:chatbot:2026-11:80");
        try (var aside = Files.list(dir)) {
            assertThat(aside.map(p -> p.getFileName().toString())).contains("alerts.json.damaged-" + T0.toEpochMilli());
        }
    }

    @Test
    void markOnce_writesTheMarkerAndDropsExpiredOnes() throws IOException {
        Path file = dir.resolve("markers.json");
        new FileOnceMarker(file, Clock.fixed(T0, ZoneOffset.UTC)).markOnce("old", T0.plusSeconds(60));

        new FileOnceMarker(file, Clock.fixed(T0.plusSeconds(61), ZoneOffset.UTC)).markOnce("new", T0.plusSeconds(3600));

        String json = Files.readString(file);
        assertThat(json).contains("\"new\" : \"2026-11-28T16:00:00Z\"").doesNotContain("old");
    }

    @Test
    void markOnce_knownMarker_answersWithoutReadingTheFile() throws IOException {
        Path file = dir.resolve("markers.json");
        FileOnceMarker marker = new FileOnceMarker(file, Clock.fixed(T0, ZoneOffset.UTC));
        assertThat(marker.markOnce("alert", T0.plusSeconds(60))).isTrue();
        Files.writeString(file, "{not json");

        assertThat(marker.markOnce("alert", T0.plusSeconds(60))).isFalse();
    }

    @Test
    void markOnce_markerFromAnotherProcessExpired_isSetAgain() {
        Path file = dir.resolve("markers.json");
        new FileOnceMarker(file, Clock.fixed(T0, ZoneOffset.UTC)).markOnce("alert", T0.plusSeconds(60));
        FileOnceMarker later = new FileOnceMarker(file, Clock.fixed(T0.plusSeconds(60), ZoneOffset.UTC));
        assertThat(later.markOnce("alert", T0.plusSeconds(120)))
                .as("not yet after expiresAt")
                .isFalse();

        FileOnceMarker afterExpiry = new FileOnceMarker(file, Clock.fixed(T0.plusSeconds(61), ZoneOffset.UTC));

        assertThat(afterExpiry.markOnce("alert", T0.plusSeconds(120))).isTrue();
        assertThat(afterExpiry.markOnce("alert", T0.plusSeconds(120))).isFalse();
    }
}
