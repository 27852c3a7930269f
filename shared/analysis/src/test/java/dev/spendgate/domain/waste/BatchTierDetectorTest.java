package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchTierDetectorTest {
    private static final WasteWindow WINDOW =
            new WasteWindow(Instant.parse("2026-10-01T00:00:00Z"), Instant.parse("2026-10-31T00:00:00Z"));
    private static final Instant T0 = Instant.parse("2026-10-02T01:00:00Z");

    /**
     * A window merge past {@value BatchTierDetector#MAX_JOBS} jobs (the jobs of many days): a new job drops the jobs
     * with a single call, never those with more, so a job with two calls that goes on another day is still one job of
     * 20 calls, and a single-call job that goes on starts again (19 calls: not eligible).
     */
    @Test
    void absorb_pastMaxJobs_dropsOnlySingleCallJobs() {
        BatchTierDetector detector = new BatchTierDetector();
        List<BatchTierDetector.JobState> day1 = new ArrayList<>();
        for (int i = 0; i < BatchTierDetector.MAX_JOBS; i++) {
            day1.add(job("run-" + i, 20));
        }
        day1.add(job("two", 2));
        day1.add(job("one", 1));
        detector.absorb(day1);
        detector.absorb(List.of(job("late", 20)));
        detector.absorb(List.of(job("two", 18), job("one", 19)));

        List<Finding> findings = detector.findings(WINDOW);

        assertThat(findings).hasSize(1);
        // 100,000 + late + two; "one" was dropped before its 19 calls came, so it has 19, not 20
        assertThat(findings.get(0).evidence().details()).containsEntry("eligible_jobs", "100002");
        assertThat(findings.get(0).evidence().details()).containsEntry("eligible_calls", "2000040");
    }

    private static BatchTierDetector.JobState job(String run, long calls) {
        String key = "backfill\u0000run\u0000" + run;
        return new BatchTierDetector.JobState(
                key,
                "backfill",
                run,
                calls,
                0,
                List.of(new BatchTierDetector.PartState(
                        "gpt-4.1-mini",
                        "openai",
                        calls,
                        0,
                        new BigDecimal("0.001").multiply(BigDecimal.valueOf(calls)),
                        new BigDecimal("0.0005").multiply(BigDecimal.valueOf(calls)),
                        T0,
                        T0.plusSeconds(calls),
                        List.of("req_" + run))));
    }
}
