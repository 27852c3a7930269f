package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.budget.CostEstimator;
import dev.spendgate.function.proxy.usage.TrackedUsage;
import java.math.BigDecimal;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-5.1 does not reason unless asked: its {@code reasoning_effort} defaults to {@code none} (OpenAI's GPT-5.1
 * guide). A cut call to it (the user pressed "stop" after a few words) bills the few tokens it streamed, not the
 * model's 128,000-token output maximum.
 */
class CutCallReasoningDefaultTest {
    @TempDir
    Path dir;

    private final Price price = new Price(PricingCatalog.bundled(), new CostEstimator(PricingCatalog.bundled(), 4096));

    @Test
    void apply_cutGpt51CallWithoutReasoningEffort_estimatesTheStreamedOutputNotTheModelMaximum() {
        CallContext relayed = Calls.validChat(
                        dir,
                        "{\"model\":\"gpt-5.1\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                                + "\"Summarise the ticket in one line.\"}]}")
                .with(b -> {
                    b.modelForwarded = b.modelRequested;
                    b.statusCode = 200;
                    b.errorType = "client_disconnected";
                });

        CallContext ctx = price.apply(relayed, new TrackedUsage(null, false, "gpt-5.1", "The customer cannot log"));

        // 128,000 output tokens at $10/M were recorded: $1.28 for a call that streamed five words
        assertThat(ctx.tokens().outputTokens()).isLessThan(1_000);
        assertThat(ctx.cost()).isLessThan(new BigDecimal("0.01"));
    }
}
