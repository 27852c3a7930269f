package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.Explanation;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.reconcile.ReconciliationLine;
import dev.spendgate.domain.report.MonthlyUsage;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAI Costs API's {@code amount.value} is a JSON number computed in binary floating point and printed in its
 * shortest form (https://platform.openai.com/docs/api-reference/usage/costs: "value: number"), not a figure rounded to
 * its last printed decimal: {@code 3.0} is three dollars to ~1e-15, not "somewhere in 2.95..3.05". The reconciler's
 * own rule says so ({@code Reconciler.rounding}: "at least FLOAT_NOISE for amounts sent as binary floating point").
 * OpenAI bills 20,000,000 gpt-4o-mini input tokens at 3.0 USD; the gateway recorded the same tokens at 2.96 USD (a
 * 1.3 % lower price). README: rounding is "within half a unit of the last decimal", price_drift "same tokens,
 * different cost". Today the 4 cents are filed as {@code rounding} (tolerance 0.05 from the printed "3.0"), so a
 * price change hides in the rounding column and never reaches price drift; a line billed "12.0" hides 5 cents a day.
 */
class OpenAiFloatRoundingReviewTest {
    @TempDir
    Path dir;

    @Test
    void reconcile_openAiFloatAmountWithShortRepr_fourCentsOnTheSameTokensIsPriceDrift() throws Exception {
        long start = BillImportTest.NOV1.atStartOfDay(java.time.ZoneOffset.UTC).toEpochSecond();
        String bucket = "{\"object\":\"bucket\",\"start_time\":" + start + ",\"end_time\":" + (start + 86_400)
                + ",\"results\":[";
        Path costs = Files.writeString(
                dir.resolve("costs.json"),
                "{\"object\":\"page\",\"data\":[" + bucket + "{\"object\":\"organization.costs.result\",\"amount\":"
                        + "{\"value\":3.0,\"currency\":\"usd\"},\"line_item\":\"gpt-4o-mini-2024-07-18, input\","
                        + "\"project_id\":\"proj_1\"}]}],\"has_more\":false,\"next_page\":null}");
        Path usage = Files.writeString(
                dir.resolve("usage.json"),
                "{\"object\":\"page\",\"data\":[" + bucket
                        + "{\"object\":\"organization.usage.completions.result\",\"input_tokens\":20000000,"
                        + "\"output_tokens\":0,\"input_cached_tokens\":0,\"num_model_requests\":100,"
                        + "\"project_id\":\"proj_1\",\"api_key_id\":\"key_1\",\"model\":\"gpt-4o-mini-2024-07-18\","
                        + "\"batch\":false}]}],\"has_more\":false,\"next_page\":null}");
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        metered.add(BillImportTest.record(
                "r1",
                "openai",
                "gpt-4o-mini-2024-07-18",
                TokenUsage.openAi(20_000_000, 0, 0, 0),
                new BigDecimal("2.96")));

        Reconciliation r = Reconciler.create(BillImportTest.CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(metered, BillImportTest.NOV1, List.of(OpenAiBill.read(List.of(costs, usage))));

        ReconciliationLine line = r.lines().stream()
                .filter(l -> l.item().equals("tokens"))
                .findFirst()
                .orElseThrow();
        assertThat(line.billedUsd()).isEqualByComparingTo("3.0");
        assertThat(line.meteredUsd()).isEqualByComparingTo("2.96");
        assertThat(line.roundingUsd()).isEqualByComparingTo("0");
        assertThat(line.priceDriftUsd()).isEqualByComparingTo("0.04");
        assertThat(line.explanation()).isEqualTo(Explanation.PRICE_DRIFT);
    }
}
