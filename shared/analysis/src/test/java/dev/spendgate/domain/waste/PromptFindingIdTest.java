package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Context-bloat finding ids name their prompt ({@code /prompt:} and a digest of the system hash) since session 21. A
 * life cycle stored before then holds such a finding under the id without it: the first finding of that id carries its
 * state over, so a finding open for weeks is neither resolved nor seen for the first time by the change.
 */
class PromptFindingIdTest {
    private static final String OLD = "context_bloat/uncached_repeated_prefix/feature:kb/claude-sonnet-4-5";
    private static final String NEW = OLD + "/prompt:5f1c0e2a9b7d";
    private static final Instant END = Instant.parse("2026-10-31T00:00:00Z");

    @Test
    void legacyId_ofAPromptIdAndOfOtherIds() {
        assertThat(Finding.legacyId(NEW)).isEqualTo(OLD);
        assertThat(Finding.legacyId(OLD)).isEqualTo(OLD);
        String retry = "retry_waste/duplicate_repeats/session:a/prompt:b";
        assertThat(Finding.legacyId(retry))
                .as("only context-bloat ids had a prompt added")
                .isEqualTo(retry);
    }

    @Test
    void after_storedUnderTheOldId_carriesItsStateToTheFirstFindingOfThatId() {
        Instant firstSeen = Instant.parse("2026-09-02T08:00:00Z");
        FindingLifecycle stored = FindingLifecycle.empty()
                .after(
                        List.of(seen(OLD, firstSeen, Instant.parse("2026-09-29T08:00:00Z"), "40")),
                        END.minusSeconds(86_400L * 30));
        String other = OLD + "/prompt:0e0f1a2b3c4d";

        FindingLifecycle next = stored.after(
                List.of(
                        seen(NEW, Instant.parse("2026-10-01T08:00:00Z"), Instant.parse("2026-10-30T08:00:00Z"), "42"),
                        seen(other, Instant.parse("2026-10-03T08:00:00Z"), Instant.parse("2026-10-30T09:00:00Z"), "7")),
                END);

        assertThat(next.entries()).containsOnlyKeys(NEW, other);
        assertThat(next.entries().get(NEW)).satisfies(e -> {
            assertThat(e.firstSeen()).as("first seen under the old id").isEqualTo(firstSeen);
            assertThat(e.status()).isEqualTo(FindingLifecycle.Status.OPEN);
        });
        assertThat(next.entries().get(other).firstSeen()).isEqualTo(Instant.parse("2026-10-03T08:00:00Z"));
        assertThat(FindingLifecycle.parse(next.toBytes(END)).entries()).containsOnlyKeys(NEW, other);
    }

    private static FindingLifecycle.Seen seen(String id, Instant first, Instant last, String monthly) {
        return new FindingLifecycle.Seen(
                id,
                WasteCategory.CONTEXT_BLOAT,
                "feature",
                "kb",
                "kb",
                "claude-sonnet-4-5",
                first,
                last,
                new BigDecimal(monthly));
    }
}
