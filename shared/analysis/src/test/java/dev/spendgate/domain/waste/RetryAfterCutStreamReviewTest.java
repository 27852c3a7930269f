package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review (session 22): a streamed chat call the provider cut mid-answer ({@code upstream_truncated}) or the client's
 * SDK abandoned on its read timeout ({@code client_disconnected}) is recorded with the 200 the stream started with;
 * the client saw an error (README "A cut stream is visibly cut ... so SDKs raise an error instead of returning a short
 * answer"), so the application's one retry is what it must do. The retry detector counts any 2xx record as "an
 * earlier call of the chain succeeded" and flags that single retry as a duplicate: a finding tells finance to "reuse
 * answers" and books the retries' cost as recoverable, when there was no answer to reuse.
 */
class RetryAfterCutStreamReviewTest {

    @Test
    void oneRetryAfterAStreamTheClientSawFail_isNotRetryWaste() {
        List<UsageRecord> records = new ArrayList<>();
        TokenUsage cut = new TokenUsage(900, 0, 0, 0, 120, 0);
        TokenUsage whole = new TokenUsage(900, 0, 0, 0, 400, 0);
        String[] cuts = {"upstream_truncated", "client_disconnected", "upstream_truncated", "client_disconnected"};
        for (int chain = 0; chain < cuts.length; chain++) {
            long t = chain * 300L; // four different questions, five minutes apart, each asked twice
            UsageRecord.Fingerprints fp =
                    new UsageRecord.Fingerprints(null, null, WastePrecisionReviewTest.hash(chain), null);
            records.add(WastePrecisionReviewTest.record(
                            "openai", "gpt-4o", "chat.completions", "assistant", "s-1", "key_1", t, cut, null)
                    .requestId("cut-" + chain)
                    .stream(true)
                    .errorType(cuts[chain])
                    .usageSource(UsageRecord.UsageSource.ESTIMATED)
                    .fingerprints(fp)
                    .build());
            records.add(WastePrecisionReviewTest.record(
                            "openai", "gpt-4o", "chat.completions", "assistant", "s-1", "key_1", t + 4, whole, null)
                    .requestId("retry-" + chain)
                    .stream(true)
                    .fingerprints(fp)
                    .build());
        }

        WasteReport report = WastePrecisionReviewTest.run(records);

        List<Finding> retries = report.findings().stream()
                .filter(f -> f.category() == WasteCategory.RETRY_WASTE)
                .toList();
        assertThat(retries)
                .as(
                        "four single retries, each after a stream the client saw fail: %s",
                        retries.stream()
                                .map(f -> f.evidence().wastefulCalls() + " wasteful calls, recommendation: "
                                        + f.recommendation())
                                .toList())
                .isEmpty();
    }
}
