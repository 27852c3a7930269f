package dev.spendgate.function.proxy.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** README, Web console: the Spend page's "query's result is kept for a minute". */
class SpendViewCacheTest {
    @TempDir
    Path dir;

    @Test
    void render_defaultWindowTwiceWithinAMinute_readsTheUsageLogOnce() {
        AtomicInteger lists = new AtomicInteger();
        ObjectStore files = new FileSystemObjectStore(dir);
        ObjectStore counting = new ObjectStore() {
            @Override
            public void put(String key, byte[] content) {
                files.put(key, content);
            }

            @Override
            public Optional<byte[]> get(String key) {
                return files.get(key);
            }

            @Override
            public Optional<InputStream> open(String key) {
                return files.open(key);
            }

            @Override
            public List<String> list(String prefix) {
                lists.incrementAndGet();
                return files.list(prefix);
            }

            @Override
            public List<Listed> listWithSizes(String prefix) {
                lists.incrementAndGet();
                return files.listWithSizes(prefix);
            }
        };
        Instant[] now = {Instant.parse("2026-11-20T10:00:00Z")};
        Clock clock = new Clock() {
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
                return now[0];
            }
        };
        SpendView view = new SpendView(counting, dev.spendgate.domain.pricing.PricingCatalog.bundled(), clock);

        view.render(Params.parse(""));
        int afterFirst = lists.get();
        now[0] = now[0].plusSeconds(5);
        view.render(Params.parse(""));

        assertThat(afterFirst).isPositive();
        assertThat(lists.get())
                .as("usage log listings after a second load 5 s later")
                .isEqualTo(afterFirst);
    }
}
