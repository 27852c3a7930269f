package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One key, no session, two features repeating answered requests: a retry finding per feature, each naming its own
 * feature in the advice, with distinct ids (the life cycle and {@code advisor apply} go by id).
 */
class RetryFeatureScopeTest {
    @Test
    void finish_keyUsedByTwoFeaturesThatRepeat_oneFindingPerFeatureWithDistinctIds() {
        List<UsageRecord> records = new ArrayList<>();
        TokenUsage tokens = new TokenUsage(300, 0, 0, 0, 40, 0);
        for (String feature : List.of("alpha", "beta")) {
            int base = "alpha".equals(feature) ? 0 : 600;
            for (int i = 0; i < 5; i++) {
                records.add(WastePrecisionReviewTest.record(
                                "openai",
                                "gpt-4o-mini",
                                "chat.completions",
                                feature,
                                null,
                                "key_1",
                                base + i * 5L,
                                tokens,
                                null)
                        .requestId("req-" + feature + "-" + i)
                        .fingerprints(
                                new UsageRecord.Fingerprints(null, null, WastePrecisionReviewTest.hash(base), null))
                        .build());
            }
        }

        WasteReport report = WastePrecisionReviewTest.run(records);

        List<Finding> retries = report.findings().stream()
                .filter(f -> f.category() == WasteCategory.RETRY_WASTE)
                .toList();
        assertThat(retries).extracting(Finding::feature).containsExactlyInAnyOrder("alpha", "beta");
        assertThat(retries).extracting(Finding::id).doesNotHaveDuplicates();
        assertThat(retries).allSatisfy(f -> {
            assertThat(f.scopeValue()).isEqualTo("key_1");
            assertThat(f.recommendation()).contains("of feature " + f.feature());
            assertThat(f.evidence().details()).containsEntry("scope_features", "2");
            assertThat(f.evidence().wastefulCalls()).isEqualTo(4);
        });
    }
}
