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
    void reopen_afterASlowAnswerFilledLast_keepsFillOrderAcrossRestart() {
        ResponseCacheStore first = newStore();
        first.put(answer("quick", "faq", NOW.plusSeconds(1), 600), 2);
        first.put(answer("slow", "faq", NOW, 600), 2);

        ResponseCacheStore restarted = reopenStore();
        restarted.put(answer("next", "faq", NOW.plusSeconds(2), 600), 2);

        assertThat(restarted.get("quick", NOW.plusSeconds(3))).isEmpty();
        assertThat(restarted.get("slow", NOW.plusSeconds(3))).isPresent();
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

    @Test
    void get_keyNotInTheIndex_missesWithoutReadingItsFile() {
        ResponseCacheStore running = newStore();
        // written by another instance after this one opened: a miss answers from memory and never opens the file
        new FileResponseCacheStore(dir.resolve("cache")).put(answer("cd34", "faq", NOW, 600), 10);

        assertThat(running.get("cd34", NOW)).isEmpty();
        assertThat(reopenStore().get("cd34", NOW)).isPresent();
    }

    @Test
    void get_smallAnswerKept_isServedFromMemoryWithoutItsFile() throws IOException {
        ResponseCacheStore store = newStore();
        store.put(answer("ef56", "faq", NOW, 600), 10);
        Files.delete(dir.resolve("cache/answers/ef/ef56.json"));

        assertThat(store.get("ef56", NOW.plusSeconds(1))).isPresent();
        assertThat(store.get("ef56", NOW.plusSeconds(600))).isEmpty();
    }

    @Test
    void get_noMemoryForAnswers_readsTheFileEachTime() throws IOException {
        ResponseCacheStore store = new FileResponseCacheStore(dir.resolve("cache"), 0);
        store.put(answer("ef56", "faq", NOW, 600), 10);
        assertThat(store.get("ef56", NOW.plusSeconds(1))).isPresent();

        Files.delete(dir.resolve("cache/answers/ef/ef56.json"));

        assertThat(store.get("ef56", NOW.plusSeconds(1))).isEmpty();
    }

    @Test
    void put_pastTheMemoryBudget_dropsTheLeastRecentlyUsedFromMemoryOnly() throws IOException {
        int size = answer("aa01", "faq", NOW, 600).body().length;
        ResponseCacheStore store = new FileResponseCacheStore(dir.resolve("cache"), 2L * size);
        store.put(answer("aa01", "faq", NOW, 600), 10);
        store.put(answer("aa02", "faq", NOW, 600), 10);
        store.get("aa01", NOW); // used: aa02 is now the least recently used
        store.put(answer("aa03", "faq", NOW, 600), 10);
        for (String key : new String[] {"aa01", "aa02", "aa03"}) {
            Files.delete(dir.resolve("cache/answers/aa/" + key + ".json"));
        }

        assertThat(store.get("aa01", NOW)).isPresent();
        assertThat(store.get("aa02", NOW)).isEmpty();
        assertThat(store.get("aa03", NOW)).isPresent();
    }
}
