package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.outcome.OutcomeLog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Capture;
import software.amazon.awscdk.assertions.Match;

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
     * counted again) stores through {@link OutcomeLog#recordOnce}, which claims the key with a conditional put under
     * {@link OutcomeLog#IDEMPOTENCY} and, when the claim exists, reads it back and checks the stored outcome
     * ({@code GetObject} under {@code outcomes/v1/}; S3 answers 404 for a missing object only to a caller who may list
     * the bucket, 403 otherwise). The proxy role may only put under {@code outcomes/}: in AWS every idempotent outcome answers 503 "could not
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
                .contains("s3:PutObject");
        assertThat(OutcomeLog.IDEMPOTENCY)
                .as("the idempotency claims (put if absent, then read back) lie under the granted prefix")
                .startsWith(Storage.OUTCOMES_PREFIX);
        assertThat(grants(synth, "ProxyRole"))
                .as("ListBucket on the bucket itself, without an s3:prefix condition a GetObject cannot match")
                .anyMatch(g -> g.contains("s3:ListBucket") && !g.contains("s3:prefix") && !g.contains("/*"));
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

    /**
     * README "The monthly report at scale": in AWS the month's cells are Athena queries over the usage table ("its
     * ceiling is Athena's"), shown for a month of 1,014,988,500 calls. Each query reads the month's gzip NDJSON
     * objects whole (JSON SerDe: no column pruning), so the bytes it scans are the month's compressed usage log. The
     * stack's workgroup enforces a 10 GB cut-off per query: at the compressed size measured here for lean records (no
     * fingerprints, short names; the gateway's real records are larger) a 1B-call month is several times the cap,
     * Athena cancels the query, and the report Lambda fails on every retry: no FOCUS file, PDF or email that month.
     */
    @Test
    void athenaWorkgroup_scanCap_coversAMonthOfTheScaleTheReportPromises() throws IOException {
        long calls = 1_014_988_500L;
        double bytesPerRecord = gzipBytesPerRecord(200_000);
        long monthBytes = (long) (bytesPerRecord * calls);

        Capture config = new Capture();
        synth.template.hasResourceProperties(
                "AWS::Athena::WorkGroup",
                Match.objectLike(Map.of("Name", Storage.ATHENA_WORKGROUP, "WorkGroupConfiguration", config)));
        Number cutoff = (Number) config.asObject().get("BytesScannedCutoffPerQuery");

        assertThat(cutoff == null ? Long.MAX_VALUE : cutoff.longValue())
                .as(
                        "bytes a query may scan, against a month of %,d calls at %.1f gzip bytes a record (%,d bytes)",
                        calls, bytesPerRecord, monthBytes)
                .isGreaterThanOrEqualTo(monthBytes);
    }

    /**
     * The stack says ReportRecipients and SenderAddress "can change without a new synthesis" (a parameter update).
     * They reach the report function only through its environment, and the schedule invokes the {@code live} alias,
     * which points at a published version (SnapStart). The version is the CDK's {@code currentVersion}, whose logical
     * id is a hash of the function's configuration as synthesised, where a parameter is the same {@code Ref} whatever
     * its value; nothing in the Version resource names the parameters. A parameter update therefore changes
     * {@code $LATEST} only: the alias keeps the published version with the old environment, so the month's report is
     * mailed to the old recipients, or, after a sender change, sent from the old address, which SES refuses (the
     * role's SendReports grant now names the new identity, the old one is deleted).
     */
    @Test
    void reportRunner_parameterUpdate_reachesTheVersionTheScheduleInvokes() {
        Map<String, Object> resources = resources(synth);
        Map<?, ?> alias = props(resources.get(Statements.logicalId(synth, "JobsReportRunnerLive")));
        List<?> versionAttribute = (List<?>) ((Map<?, ?>) alias.get("FunctionVersion")).get("Fn::GetAtt");
        String version = (String) versionAttribute.get(0);
        String invoked = String.valueOf(resources.get(version));

        for (String parameter : List.of("ReportRecipients", "SenderAddress")) {
            assertThat(invoked)
                    .as("the published version the live alias invokes (%s), when %s changes", version, parameter)
                    .contains("Ref=" + parameter);
        }
    }

    /**
     * The version is replaced when its description changes, and Lambda refuses a version description over 256
     * characters: with both parameters at their longest, the deploy that publishes the version must still succeed.
     */
    @Test
    void reportRunner_longestParameters_fitTheVersionDescription() {
        Map<String, Object> resources = resources(synth);
        Map<?, ?> alias = props(resources.get(Statements.logicalId(synth, "JobsReportRunnerLive")));
        String version = (String) ((List<?>) ((Map<?, ?>) alias.get("FunctionVersion")).get("Fn::GetAtt")).get(0);
        List<?> parts = (List<?>)
                ((List<?>) ((Map<?, ?>) props(resources.get(version)).get("Description")).get("Fn::Join")).get(1);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> parameters =
                (Map<String, Map<String, Object>>) ((Map<String, Object>) synth.template.toJSON()).get("Parameters");

        int longest = 0;
        for (Object part : parts) {
            longest += part instanceof String text
                    ? text.length()
                    : Integer.parseInt(String.valueOf(
                            parameters.get(((Map<?, ?>) part).get("Ref")).get("MaxLength")));
        }

        assertThat(longest)
                .as("the version's description with both parameters at their longest")
                .isLessThanOrEqualTo(256);
    }

    // ---- helpers

    @SuppressWarnings("unchecked")
    private static Map<String, Object> resources(Synth s) {
        return (Map<String, Object>) ((Map<String, Object>) s.template.toJSON()).get("Resources");
    }

    private static Map<?, ?> props(Object resource) {
        return (Map<?, ?>) ((Map<?, ?>) resource).get("Properties");
    }

    /** Gzip bytes a record of lean usage records written as one large object (Firehose writes up to 128 MiB). */
    private static double gzipBytesPerRecord(int records) throws IOException {
        SplittableRandom random = new SplittableRandom(16);
        List<String> features = List.of("chatbot", "search", "summarise", "triage", "agent");
        List<String> models = List.of("gpt-4o-mini", "gpt-4o", "claude-sonnet-4-5-20250929");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Instant start = Instant.parse("2026-11-01T00:00:00Z");
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes, 64 * 1024)) {
            for (int i = 0; i < records; i++) {
                Instant ts = start.plusMillis(i * 37L + random.nextInt(30));
                String feature = features.get(random.nextInt(features.size()));
                String model = models.get(random.nextInt(models.size()));
                long in = 200 + random.nextInt(4000);
                long out = 20 + random.nextInt(800);
                UsageRecord r = UsageRecord.builder()
                        .requestId("req_" + Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong()))
                        .tsStart(ts)
                        .tsEnd(ts.plusMillis(300 + random.nextInt(5000)))
                        .keyId("key_" + feature)
                        .attribution(new Attribution(feature, "engineering", "platform", "prod", null, null, null))
                        .provider(model.startsWith("claude") ? "anthropic" : "openai")
                        .endpoint("chat")
                        .modelRequested(model)
                        .modelServed(model)
                        .statusCode(200)
                        .tokens(new TokenUsage(in, 0, 0, 0, out, 0))
                        .costUsd(new BigDecimal(in * 15 + out * 60).movePointLeft(8))
                        .pricingStatus(UsageRecord.PricingStatus.PRICED)
                        .pricingVersion("2026-11-01")
                        .usageSource(UsageRecord.UsageSource.PROVIDER)
                        .latencyMs(300 + random.nextInt(5000))
                        .upstreamMs(290 + random.nextInt(5000))
                        .overheadMs(1 + random.nextInt(5))
                        .build();
                UsageRecordCodec.write(r, gzip);
            }
        }
        return (double) bytes.size() / records;
    }

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
