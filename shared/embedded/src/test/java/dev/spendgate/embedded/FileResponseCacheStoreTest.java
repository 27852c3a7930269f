package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.cache.QuestionSimilarity;
import dev.spendgate.domain.cache.ResponseCacheStore;
import dev.spendgate.domain.cache.SemanticEntry;
import dev.spendgate.testing.contract.ResponseCacheStoreContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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

    private static SemanticEntry question(String key, String text, Instant expires) {
        return new SemanticEntry(key, QuestionSimilarity.sketch(text), expires);
    }

    private long prefixFiles() throws IOException {
        try (var files = Files.list(dir.resolve("cache/prefixes"))) {
            return files.count();
        }
    }

    @Test
    void put_evictingAnswers_takesThemOutOfTheSemanticIndexAndDropsEmptyPrefixFiles() throws IOException {
        ResponseCacheStore store = newStore();
        for (int i = 0; i < 6; i++) { // six prompts, one question each, max_entries 2
            store.put(answer("k" + i, "faq", NOW.plusSeconds(i), 600), 2);
            store.index("p" + i, question("k" + i, "do you ship to canada", NOW.plusSeconds(600)), 256, NOW);
        }
        store.put(answer("k6", "faq", NOW.plusSeconds(6), 600), 2); // a second question behind p5
        store.index("p5", question("k6", "do you ship to mexico", NOW.plusSeconds(600)), 256, NOW);

        assertThat(prefixFiles()).isEqualTo(1);
        assertThat(store.similar("p0", NOW)).isEmpty();
        assertThat(store.similar("p5", NOW)).extracting(SemanticEntry::key).containsExactly("k6", "k5");
        store.put(answer("k7", "faq", NOW.plusSeconds(7), 600), 2); // evicts k5, behind p5 with k6
        assertThat(store.similar("p5", NOW)).extracting(SemanticEntry::key).containsExactly("k6");
        assertThat(reopenStore().similar("p5", NOW))
                .extracting(SemanticEntry::key)
                .containsExactly("k6");
    }

    @Test
    void similar_meetingAnExpiredAnswer_deletesItAndItsPrefixFile() throws IOException {
        ResponseCacheStore store = newStore();
        store.put(answer("k1", "faq", NOW, 60), 10);
        store.index("p1", question("k1", "do you ship to canada", NOW.plusSeconds(60)), 256, NOW);

        assertThat(store.similar("p1", NOW.plusSeconds(60))).isEmpty();

        assertThat(prefixFiles()).isZero();
        assertThat(dir.resolve("cache/answers/k1/k1.json")).doesNotExist();
    }

    @Test
    void reopen_indexNamingAnswersNoLongerKept_dropsThem() throws IOException {
        ResponseCacheStore store = newStore();
        store.put(answer("ab1", "faq", NOW, 600), 10);
        store.index("p1", question("ab1", "do you ship to canada", NOW.plusSeconds(600)), 256, NOW);
        store.index("p2", question("cd2", "opening hours", NOW.plusSeconds(600)), 256, NOW); // never filled

        ResponseCacheStore reopened = reopenStore();

        assertThat(reopened.similar("p1", NOW)).extracting(SemanticEntry::key).containsExactly("ab1");
        assertThat(reopened.similar("p2", NOW)).isEmpty();
        assertThat(prefixFiles()).isEqualTo(1);
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
