package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.outcome.OutcomeLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the functions do once deployed against what the stack gives them: each grant a code path needs (an action
 * missing is an AccessDenied at run time), and each limit the stack sets against what the functions promise.
 */
class DeployedWiringTest {
    private static final String GUARDRAIL = "arn:aws:bedrock:eu-central-1:123456789012:guardrail/abcd1234efgh";

    private static Synth synth;
    private static Synth withBedrock;

    @BeforeAll
    static void synthesize() {
        synth = Synth.of(b -> {});
        withBedrock = Synth.of(
                b -> b.bedrockResourceArns(List.of("arn:aws:bedrock:*::foundation-model/anthropic.*", GUARDRAIL)));
    }

    /**
     * {@code POST /v1/outcomes} with an {@code Idempotency-Key} (README "Outcomes": a retry is answered 200 and not
     * counted again) stores through {@link OutcomeLog#recordOnce}, which first reads the same name under the day
     * before ({@code GetObject} under {@code outcomes/v1/}; normally absent, and S3 answers 404 for a missing object
     * only to a caller who may list the prefix, 403 otherwise) and, when the conditional put finds one, reads the
     * day's. The proxy role may only put under {@code outcomes/}: in AWS every idempotent outcome answers 503 "could not
     * be stored; retry", every retry the same, and none reaches the monthly report's cost per outcome.
     */
    @Test
    void proxyRole_idempotentOutcome_mayReadBackAndListOutcomes() {
        String onOutcomes = grants(synth, "ProxyRole").stream()
                .filter(g -> g.contains(Storage.OUTCOMES_PREFIX))
                .sorted()
                .collect(Collectors.joining("\n"));

        assertThat(onOutcomes)
                .as("the proxy role's grants on outcomes/")
                .contains("/" + Storage.OUTCOMES_PREFIX + "*")
                .contains("s3:GetObject")
                .contains("s3:ListBucket");
    }

    /**
     * README "Bedrock": the proxy forwards the caller's {@code X-Amzn-Bedrock-*} headers (guardrails among them) and
     * signs the call with its role. Bedrock then also authorises {@code bedrock:ApplyGuardrail} on the guardrail
     * (AWS, "Set up permissions to use Amazon Bedrock Guardrails"). Even with the guardrail's ARN listed in
     * {@code bedrockResourceArns}, the role gets only InvokeModel and InvokeModelWithResponseStream, so every guarded
     * call is refused by Bedrock with AccessDeniedException.
     */
    @Test
    void proxyRole_guardrailListedInBedrockArns_mayApplyIt() {
        String bedrock = grants(withBedrock, "ProxyRole").stream()
                .filter(g -> g.contains("bedrock:"))
                .sorted()
                .collect(Collectors.joining("\n"));

        assertThat(bedrock)
                .as("the proxy role's Bedrock grants")
                .contains(GUARDRAIL)
                .contains("bedrock:ApplyGuardrail");
    }

    // ---- helpers

    /** "[actions] on resources[ if s3:prefix=[..]]" of every statement attached to the role. */
    private static List<String> grants(Synth s, String rolePrefix) {
        String role = Statements.logicalId(s, rolePrefix);
        List<String> out = new ArrayList<>();
        s.resources("AWS::IAM::Policy").values().forEach(p -> {
            Map<?, ?> props = (Map<?, ?>) p.get("Properties");
            if (!props.get("Roles").equals(List.of(Map.of("Ref", role)))) {
                return;
            }
            for (Object o : (List<?>) ((Map<?, ?>) props.get("PolicyDocument")).get("Statement")) {
                Map<?, ?> st = (Map<?, ?>) o;
                Object action = st.get("Action");
                Object resource = st.get("Resource");
                List<?> resources = resource instanceof List<?> l ? l : List.of(resource);
                String text = (action instanceof List<?> l ? l : List.of(action)) + " on "
                        + String.join(
                                ", ", resources.stream().map(Statements::text).toList());
                if (st.get("Condition") instanceof Map<?, ?> c && c.get("StringLike") instanceof Map<?, ?> like) {
                    text += " if s3:prefix=" + like.get("s3:prefix");
                }
                out.add(text);
            }
        });
        return out;
    }
}
