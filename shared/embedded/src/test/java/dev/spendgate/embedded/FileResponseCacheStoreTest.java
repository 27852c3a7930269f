package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.cache.ResponseCacheStore;
import dev.spendgate.testing.contract.ResponseCacheStoreContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileResponseCacheStoreTest extends ResponseCacheStoreContract {
    @TempDir
    Path dir;

    @Override
    protected ResponseCacheStore newStore() {
        return new FileResponseCacheStore(dir.resolve("cache"));
    }

    @Override
    protected ResponseCacheStore reopenStore() {
        return new FileResponseCacheStore(dir.resolve("cache"));
    }

    @Test
    void reopen_afterEvictionLimitAcrossRestart_stillCountsTheOldEntries() {
        newStore().put(answer("a", "faq", NOW, 600), 2);
        newStore().put(answer("b", "faq", NOW.plusSeconds(1), 600), 2);

        ResponseCacheStore restarted = reopenStore();
        restarted.put(answer("c", "faq", NOW.plusSeconds(2), 600), 2);

        assertThat(restarted.get("a", NOW.plusSeconds(3))).isEmpty();
        assertThat(restarted.get("b", NOW.plusSeconds(3))).isPresent();
    }

    @Test
    void open_damagedEntry_isDroppedNotServed() throws IOException {
        newStore().put(answer("ab12", "faq", NOW, 600), 10);
        Path file = dir.resolve("cache/answers/ab/ab12.json");
        Files.writeString(file, "{not json");

        ResponseCacheStore reopened = reopenStore();

        assertThat(reopened.get("ab12", NOW)).isEmpty();
        assertThat(file).doesNotExist();
    }
}
