package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.budget.CostEstimator;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import dev.spendgate.function.proxy.upstream.Provider;
import dev.spendgate.function.proxy.upstream.ProviderRouter;
import dev.spendgate.function.proxy.upstream.UpstreamAuth;
import dev.spendgate.function.proxy.usage.TrackedUsage;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Claude's extended thinking through Bedrock Converse is asked for in {@code additionalModelRequestFields.thinking}
 * (Converse has no top-level {@code thinking}). Cut before Converse's closing metadata event, such a call billed the
 * thinking it never streamed, as the same call through Anthropic Messages or InvokeModel does: its output must be
 * estimated the same way, not from the few visible words.
 */
class CutConverseThinkingTest {
    private static final String MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0";

    @TempDir
    Path dir;

    private final Price price = new Price(PricingCatalog.bundled(), new CostEstimator(PricingCatalog.bundled(), 4096));

    private CallContext converse(String body) {
        CallContext ctx =
                Calls.post("/model/" + MODEL + "/converse-stream", body, "Authorization", "Bearer " + Calls.SECRET);
        Step authenticated = new Authenticate(Calls.keys(dir)).apply(ctx);
        ProviderRouter router = new ProviderRouter(List.of(new Provider(
                "bedrock",
                ApiFormat.BEDROCK,
                "http://127.0.0.1:9",
                null,
                List.of("*"),
                "bedrock",
                UpstreamAuth.NONE,
                null,
                null)));
        Step validated = new Validate(router, 65_536).apply(authenticated.context());
        assertThat(validated.refused()).as("validated").isFalse();
        return validated.context().with(b -> {
            b.modelForwarded = b.modelRequested;
            b.statusCode = 200;
            b.errorType = "client_disconnected";
        });
    }

    @Test
    void apply_cutConverseCallWithExtendedThinking_estimatedAsTheSameCallThroughInvokeModel() {
        String messages = "\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Plan the migration.\"}]}]";
        CallContext thinking = converse("{" + messages + ",\"inferenceConfig\":{\"maxTokens\":16000},"
                + "\"additionalModelRequestFields\":{\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":10000}}}");

        CallContext ctx = price.apply(thinking, new TrackedUsage(null, false, null, "First, list the tables"));

        // 10,000 thinking tokens were allowed and billed before any visible text; the record says about 5
        assertThat(ctx.tokens().outputTokens()).isGreaterThanOrEqualTo(10_000);
    }
}
