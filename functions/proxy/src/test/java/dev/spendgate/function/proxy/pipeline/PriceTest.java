package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.function.proxy.usage.TrackedUsage;
import java.math.BigDecimal;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriceTest {
    @TempDir
    Path dir;

    private final Price price = new Price(
            PricingCatalog.bundled(),
            new dev.spendgate.function.proxy.budget.CostEstimator(PricingCatalog.bundled(), 4096));

    private CallContext relayed(String model) {
        return Calls.validChat(
                        dir,
                        "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Summarise the"
                                + " ticket in one line.\"}]}")
                .with(b -> {
                    b.modelForwarded = b.modelRequested;
                    b.statusCode = 200;
                });
    }

    @Test
    void apply_reportedUsage_pricesTheProvidersTokensExactly() {
        TokenUsage tokens = new TokenUsage(1_000_000, 0, 0, 0, 1_000_000, 0);

        CallContext ctx = price.apply(relayed("gpt-4o-mini"), new TrackedUsage(tokens, true, "gpt-4o-mini", ""));

        assertThat(ctx.usageSource()).isEqualTo(UsageSource.PROVIDER);
        assertThat(ctx.pricingStatus()).isEqualTo(PricingStatus.PRICED);
        assertThat(ctx.cost()).isEqualByComparingTo(new BigDecimal("0.75")); // $0.15 in + $0.60 out per million
        assertThat(ctx.errorType()).isNull();
    }

    /**
     * Azure bills a prompt its content filter refused with 400, "both the prompt and completion tokens": the prompt is
     * estimated, nothing is counted as generated (not a reasoning model's worst case), and the cost stays unknown.
     */
    @Test
    void apply_billedRefusal_estimatesThePromptAndLeavesTheCallUnpriced() {
        CallContext refused = relayed("gpt-5").with(b -> {
            b.statusCode = 400;
            b.errorType = "content_filter";
        });

        CallContext ctx = price.apply(refused, TrackedUsage.billedRefusal());

        assertThat(ctx.pricingStatus()).isEqualTo(PricingStatus.UNPRICED);
        assertThat(ctx.cost()).isNull();
        assertThat(ctx.usageSource()).isEqualTo(UsageSource.ESTIMATED);
        assertThat(ctx.tokens().inputTokens()).isPositive();
        assertThat(ctx.tokens().outputTokens()).isZero();
        assertThat(ctx.errorType()).isEqualTo("content_filter");
    }

    @Test
    void apply_noUsageReported_estimatesAndMarksUsageMissing() {
        CallContext ctx = price.apply(
                relayed("gpt-4o-mini"), new TrackedUsage(null, false, null, "A one-line summary of the ticket."));

        assertThat(ctx.usageSource()).isEqualTo(UsageSource.ESTIMATED);
        assertThat(ctx.errorType()).isEqualTo("usage_missing");
        assertThat(ctx.tokens().inputTokens()).isPositive();
        assertThat(ctx.tokens().outputTokens()).isPositive();
        assertThat(ctx.cost()).isPositive();
    }

    /** An estimated call that ran web searches is billed for them on top of its tokens ($10 per 1,000 on gpt-5). */
    @Test
    void apply_noUsageButSearchesSeen_estimatesTokensAndBillsTheSearches() {
        TrackedUsage cut = new TrackedUsage(null, false, null, "Per the sources");

        CallContext call = relayed("gpt-5");
        CallContext without = price.apply(call, cut);
        CallContext with = price.apply(call, cut.withWebSearchesSeen(2));

        assertThat(with.usageSource()).isEqualTo(UsageSource.ESTIMATED);
        assertThat(with.tokens().webSearches()).isEqualTo(2);
        assertThat(with.cost().subtract(without.cost())).isEqualByComparingTo("0.02");
    }

    /** R24A-2: an estimated call whose stream showed an image made is unpriced, not priced at its tokens alone. */
    @Test
    void apply_noUsageButImageSeen_isUnpriced() {
        TrackedUsage cut = new TrackedUsage(null, false, null, "Here is your image");

        CallContext ctx = price.apply(relayed("gpt-5"), cut.withImageGenerationsSeen(1));

        assertThat(ctx.usageSource()).isEqualTo(UsageSource.ESTIMATED);
        assertThat(ctx.tokens().imageGenerations()).isEqualTo(1);
        assertThat(ctx.pricingStatus()).isEqualTo(PricingStatus.UNPRICED);
        assertThat(ctx.cost()).isNull();
    }

    /** R26F-2: an estimated call whose stream showed a file search run is unpriced, not priced at its tokens alone. */
    @Test
    void apply_noUsageButFileSearchSeen_isUnpriced() {
        TrackedUsage cut = new TrackedUsage(null, false, null, "The refund policy");

        CallContext ctx = price.apply(relayed("gpt-5"), cut.withFileSearchesSeen(1));

        assertThat(ctx.usageSource()).isEqualTo(UsageSource.ESTIMATED);
        assertThat(ctx.tokens().fileSearches()).isEqualTo(1);
        assertThat(ctx.pricingStatus()).isEqualTo(PricingStatus.UNPRICED);
        assertThat(ctx.cost()).isNull();
    }

    /** R26F-3: an estimated call whose stream showed code run in a container is unpriced, not priced at tokens. */
    @Test
    void apply_noUsageButCodeInterpreterCallSeen_isUnpriced() {
        TrackedUsage cut = new TrackedUsage(null, false, null, "5050");

        CallContext ctx = price.apply(relayed("gpt-5"), cut.withCodeInterpreterCallsSeen(1));

        assertThat(ctx.usageSource()).isEqualTo(UsageSource.ESTIMATED);
        assertThat(ctx.tokens().codeInterpreterCalls()).isEqualTo(1);
        assertThat(ctx.pricingStatus()).isEqualTo(PricingStatus.UNPRICED);
        assertThat(ctx.cost()).isNull();
    }

    @Test
    void apply_modelWithoutAPrice_recordsUnpricedWithoutCost() {
        CallContext ctx = price.apply(
                relayed("no-such-model-anywhere"),
                new TrackedUsage(new TokenUsage(10, 0, 0, 0, 5, 0), true, "no-such-model-anywhere", ""));

        assertThat(ctx.pricingStatus()).isEqualTo(PricingStatus.UNPRICED);
        assertThat(ctx.cost()).isNull();
        assertThat(ctx.modelServed()).isEqualTo("no-such-model-anywhere");
    }
}
