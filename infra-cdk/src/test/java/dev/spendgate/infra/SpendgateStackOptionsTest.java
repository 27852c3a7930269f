package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.services.lambda.Architecture;

/** The structural options: an existing provider-key secret, a custom domain, an arm64 proxy, Bedrock models. */
class SpendgateStackOptionsTest {
    private static final String SECRET_ARN =
            "arn:aws:secretsmanager:eu-central-1:123456789012:secret:team/llm-keys-AbCdEf";
    private static final String CERTIFICATE_ARN =
            "arn:aws:acm:eu-central-1:123456789012:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789abc";
    private static final String CLAUDE =
            "arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0";
    private static final String PROFILES = "arn:aws:bedrock:*:123456789012:inference-profile/eu.anthropic.*";
    private static final String KEY_ARN =
            "arn:aws:kms:eu-central-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    private static Synth synth;

    @BeforeAll
    static void synthesize() {
        synth = Synth.of(b -> b.providerKeySecretArn(SECRET_ARN)
                .providerKeySecretKmsKeyArn(KEY_ARN)
                .customDomain("llm.example.com", CERTIFICATE_ARN)
                .proxyArchitecture(Architecture.ARM_64)
                .bedrockResourceArns(List.of(CLAUDE, PROFILES))
                .reconcileAdminKeySecretArn(SECRET_ARN.replace("provider", "admin"))
                .proxyEnvironment(Map.of(
                        "SPENDGATE_DEGRADE_CHAINS", "gpt-4o>gpt-4o-mini",
                        "SPENDGATE_KEY_CALLS_PER_MINUTE", "600"))
                .wasteEnvironment(Map.of("SPENDGATE_WASTE_MERGE_MAX_PROMPTS", "50000"))
                .reportEnvironment(Map.of(
                        "SPENDGATE_FOCUS_BILLING_ACCOUNT_ID", "org-7Hq2",
                        "SPENDGATE_FOCUS_BILLING_ACCOUNT_NAME", "Acme Corp",
                        "SPENDGATE_FOCUS_VERSION", "1.3"))
                .athenaScanCapGib(200));
    }

    @Test
    void existingSecret_isReadNotCreated() {
        synth.template.resourceCountIs("AWS::SecretsManager::Secret", 0);
        // the operator's own secrets: the report's estimate prices no secret fee for them
        synth.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of(
                        "Environment",
                        Map.of("Variables", Match.objectLike(Map.of("SPENDGATE_GATEWAY_COST_SECRETS", "0"))))));
        synth.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of(
                        "Runtime",
                        "provided.al2023",
                        "Environment",
                        Map.of("Variables", Match.objectLike(Map.of("SPENDGATE_PROVIDER_SECRET_ID", SECRET_ARN))))));
        synth.template.hasResourceProperties(
                "AWS::IAM::Policy",
                Match.objectLike(Map.of(
                        "PolicyDocument",
                        Match.objectLike(Map.of(
                                "Statement",
                                Match.arrayWith(List.of(Match.objectLike(Map.of(
                                        "Sid", "ReadProviderKeys",
                                        "Action", "secretsmanager:GetSecretValue",
                                        "Resource", SECRET_ARN)))))))));
    }

    @Test
    void bedrockModels_given_proxyMayInvokeExactlyThose() {
        synth.template.hasResourceProperties(
                "AWS::IAM::Policy",
                Match.objectLike(Map.of(
                        "PolicyDocument",
                        Match.objectLike(Map.of(
                                "Statement",
                                Match.arrayWith(List.of(Match.objectLike(Map.of(
                                        "Sid", "InvokeBedrock",
                                        "Action",
                                                List.of("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"),
                                        "Resource", List.of(CLAUDE, PROFILES))))))))));
    }

    @Test
    void proxyEnvironment_extraSettings_reachTheProxyBesideTheStacksOwn() {
        synth.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of(
                        "Runtime",
                        "provided.al2023",
                        "Environment",
                        Map.of(
                                "Variables",
                                Match.objectLike(Map.of(
                                        "SPENDGATE_DEGRADE_CHAINS", "gpt-4o>gpt-4o-mini",
                                        "SPENDGATE_KEY_CALLS_PER_MINUTE", "600",
                                        "SPENDGATE_KEYS_TABLE", Match.anyValue()))))));
    }

    @Test
    void proxyEnvironment_secretOrStackSetting_isRefused() {
        for (String name : List.of("SPENDGATE_ADMIN_TOKEN", "OPENAI_API_KEY", "SPENDGATE_KEYS_TABLE")) {
            assertThatThrownBy(() -> SpendgateStackProps.builder()
                            .proxyCode(Path.of("."))
                            .wasteDetectorJar(Path.of("."))
                            .reportRunnerJar(Path.of("."))
                            .proxyEnvironment(Map.of(name, "x"))
                            .build())
                    .as(name)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(name);
        }
    }

    @Test
    void proxyEnvironment_nameOfASecret_isRefusedAsASecret_namesThatHoldNone_areTaken() {
        for (String name : List.of(
                "SPENDGATE_TLS_KEYSTORE_PASSWORD",
                "SPENDGATE_SMTP_PASSWORD",
                "SPENDGATE_SOME_FUTURE_TOKEN",
                "SPENDGATE_SOME_FUTURE_SECRET",
                "SPENDGATE_REPORT_LLM_KEY")) {
            assertThatThrownBy(() -> proxyProps(Map.of(name, "hunter2")))
                    .as(name)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(name + " is a secret and would be readable in the template; admin routes use IAM"
                            + " behind API Gateway, provider keys go in the Secrets Manager secret");
        }
        // an S3 object key, a secret's id, a token count: no secret in the value
        Map<String, String> plain = Map.of(
                "SPENDGATE_CHARGEBACK_RULES_KEY", "config/chargeback-rules.json",
                "SPENDGATE_RECONCILE_ADMIN_KEYS_SECRET", "spendgate/admin-keys",
                "SPENDGATE_DEFAULT_MAX_OUTPUT_TOKENS", "4096");
        assertThat(proxyProps(plain).proxyEnvironment()).isEqualTo(plain);
    }

    @Test
    void proxyEnvironment_misspeltSetting_isRefusedAtSynth_withTheSettingMeant() {
        assertThatThrownBy(() -> proxyProps(Map.of("SPENDGATE_KEY_CALLS_PER_MINUT", "600")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "proxyEnvironment names SPENDGATE_KEY_CALLS_PER_MINUT, a setting Spendgate does not read;"
                                + " did you mean SPENDGATE_KEY_CALLS_PER_MINUTE? (README \"Configuration\" lists the settings)");
        assertThatThrownBy(() -> proxyProps(Map.of("SPENDGATE_NIGHTLY_MODE", "on")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SPENDGATE_NIGHTLY_MODE, a setting Spendgate does not read (README");
    }

    private static SpendgateStackProps proxyProps(Map<String, String> proxyEnvironment) {
        return SpendgateStackProps.builder()
                .proxyCode(Path.of("."))
                .wasteDetectorJar(Path.of("."))
                .reportRunnerJar(Path.of("."))
                .proxyEnvironment(proxyEnvironment)
                .build();
    }

    @Test
    void wasteEnvironment_extraSettings_reachTheWasteFunctionBesideTheStacksOwn() {
        synth.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of(
                        "Handler",
                        ScheduledJobs.WASTE_HANDLER,
                        "Environment",
                        Map.of(
                                "Variables",
                                Match.objectLike(Map.of(
                                        "SPENDGATE_WASTE_MERGE_MAX_PROMPTS",
                                        "50000",
                                        "SPENDGATE_USAGE_BUCKET",
                                        Match.anyValue()))))));
    }

    @Test
    void wasteEnvironment_settingOutsideTheWastePrefix_isRefused() {
        for (String name : List.of("SPENDGATE_USAGE_BUCKET", "JAVA_TOOL_OPTIONS", "SPENDGATE_KEY_CALLS_PER_MINUTE")) {
            assertThatThrownBy(() -> SpendgateStackProps.builder()
                            .proxyCode(Path.of("."))
                            .wasteDetectorJar(Path.of("."))
                            .reportRunnerJar(Path.of("."))
                            .wasteEnvironment(Map.of(name, "x"))
                            .build())
                    .as(name)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(name);
        }
    }

    @Test
    void existingSecretUnderCustomerManagedKey_proxyMayDecryptThroughSecretsManagerOnly() {
        synth.template.hasResourceProperties(
                "AWS::IAM::Policy",
                Match.objectLike(Map.of(
                        "PolicyDocument",
                        Match.objectLike(Map.of(
                                "Statement",
                                Match.arrayWith(List.of(Match.objectLike(Map.of(
                                        "Sid",
                                        "DecryptProviderKeys",
                                        "Action",
                                        "kms:Decrypt",
                                        "Resource",
                                        KEY_ARN,
                                        "Condition",
                                        Map.of(
                                                "StringEquals",
                                                Map.of(
                                                        "kms:ViaService",
                                                        "secretsmanager.eu-central-1.amazonaws.com")))))))))));
    }

    @Test
    void customerManagedKey_withoutAnExistingSecretOrNotAKeyArn_isRefused() {
        assertThatThrownBy(() -> SpendgateStackProps.builder()
                        .proxyCode(Path.of("."))
                        .wasteDetectorJar(Path.of("."))
                        .reportRunnerJar(Path.of("."))
                        .providerKeySecretKmsKeyArn(KEY_ARN)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("providerKeySecretArn");
        assertThatThrownBy(() -> SpendgateStackProps.builder()
                        .proxyCode(Path.of("."))
                        .wasteDetectorJar(Path.of("."))
                        .reportRunnerJar(Path.of("."))
                        .providerKeySecretArn(SECRET_ARN)
                        .providerKeySecretKmsKeyArn("alias/llm-keys")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("alias/llm-keys");
    }

    @Test
    void reportEnvironment_focusAccount_reachesTheReportFunctionBesideTheStacksOwn() {
        synth.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of(
                        "Handler",
                        ScheduledJobs.REPORT_HANDLER,
                        "Environment",
                        Map.of(
                                "Variables",
                                Match.objectLike(Map.of(
                                        "SPENDGATE_FOCUS_BILLING_ACCOUNT_ID", "org-7Hq2",
                                        "SPENDGATE_FOCUS_BILLING_ACCOUNT_NAME", "Acme Corp",
                                        "SPENDGATE_FOCUS_VERSION", "1.3",
                                        "SPENDGATE_USAGE_BUCKET", Match.anyValue()))))));
    }

    @Test
    void reportEnvironment_stackOwnedSecretOrBadValue_isRefusedNamingIt() {
        Map<String, Map<String, String>> refused = Map.of(
                "SPENDGATE_USAGE_BUCKET", Map.of("SPENDGATE_USAGE_BUCKET", "other"),
                "SPENDGATE_SMTP_PASSWORD", Map.of("SPENDGATE_SMTP_PASSWORD", "hunter2"),
                "SPENDGATE_REPORT_LLM_KEY", Map.of("SPENDGATE_REPORT_LLM_KEY", "sk-x"),
                "SPENDGATE_FOCUS_VERSION", Map.of("SPENDGATE_FOCUS_VERSION", "1.2"),
                "SPENDGATE_REPORT_LINK_TTL_HOURS", Map.of("SPENDGATE_REPORT_LINK_TTL_HOURS", "a week"),
                "SPENDGATE_FOCUS_BILLING_ACCOUNT_ID", Map.of("SPENDGATE_FOCUS_BILLING_ACCOUNT_ID", " "));
        refused.forEach((name, settings) -> assertThatThrownBy(() -> SpendgateStackProps.builder()
                        .proxyCode(Path.of("."))
                        .wasteDetectorJar(Path.of("."))
                        .reportRunnerJar(Path.of("."))
                        .reportEnvironment(settings)
                        .build())
                .as(name)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(name));
    }

    /** SigV4 signs a link for at most 7 days: 168 hours is taken, 169 and a month (720) are refused naming the limit. */
    @Test
    void reportEnvironment_linkTtlOverSevenDays_isRefusedNamingTheLimit() {
        for (String hours : List.of("169", "720", "9999")) {
            assertThatThrownBy(() -> SpendgateStackProps.builder()
                            .proxyCode(Path.of("."))
                            .wasteDetectorJar(Path.of("."))
                            .reportRunnerJar(Path.of("."))
                            .reportEnvironment(Map.of("SPENDGATE_REPORT_LINK_TTL_HOURS", hours))
                            .build())
                    .as(hours)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("SPENDGATE_REPORT_LINK_TTL_HOURS")
                    .hasMessageContaining("1 to 168");
        }
        assertThat(SpendgateStackProps.builder()
                        .proxyCode(Path.of("."))
                        .wasteDetectorJar(Path.of("."))
                        .reportRunnerJar(Path.of("."))
                        .reportEnvironment(Map.of("SPENDGATE_REPORT_LINK_TTL_HOURS", "168"))
                        .build())
                .isNotNull();
    }

    @Test
    void athenaScanCap_chosen_capsTheWorkgroupsQueries() {
        synth.template.hasResourceProperties(
                "AWS::Athena::WorkGroup",
                Match.objectLike(Map.of(
                        "Name",
                        Storage.ATHENA_WORKGROUP,
                        "WorkGroupConfiguration",
                        Match.objectLike(Map.of("BytesScannedCutoffPerQuery", 200L * 1024 * 1024 * 1024)))));
    }

    @Test
    void athenaScanCap_zeroMeansNoCap_negativeIsRefused() {
        SpendgateStackProps.Builder props = SpendgateStackProps.builder()
                .proxyCode(Path.of("."))
                .wasteDetectorJar(Path.of("."))
                .reportRunnerJar(Path.of("."));

        assertThat(props.athenaScanCapGib(0).build().athenaScanCapBytes()).isNull();
        assertThatThrownBy(() -> props.athenaScanCapGib(-1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("athenaScanCapGib");
    }

    @Test
    void bedrockModels_notArns_areRefused() {
        assertThatThrownBy(() -> SpendgateStackProps.builder()
                        .proxyCode(Path.of("."))
                        .wasteDetectorJar(Path.of("."))
                        .reportRunnerJar(Path.of("."))
                        .bedrockResourceArns(List.of("anthropic.claude-*"))
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Bedrock ARNs");
    }

    @Test
    void customDomain_regionalWithTls12_mappedToTheApi() {
        synth.template.hasResourceProperties(
                "AWS::ApiGateway::DomainName",
                Match.objectLike(Map.of(
                        "DomainName",
                        "llm.example.com",
                        "RegionalCertificateArn",
                        CERTIFICATE_ARN,
                        "EndpointConfiguration",
                        Map.of("Types", List.of("REGIONAL")),
                        "SecurityPolicy",
                        "TLS_1_2")));
        synth.template.resourceCountIs("AWS::ApiGateway::BasePathMapping", 1);
        synth.template.hasOutput("CustomDomainTarget", Match.anyValue());
    }

    @Test
    void proxyArchitecture_arm64_matchesTheBundledJre() {
        synth.template.hasResourceProperties(
                "AWS::Lambda::Function",
                Match.objectLike(Map.of("Runtime", "provided.al2023", "Architectures", List.of("arm64"))));
    }

    @Test
    void cdkNag_withOptions_hasNoUnsuppressedFinding() {
        assertThat(synth.annotations.findError("*", Match.stringLikeRegexp("AwsSolutions-.*")))
                .isEmpty();
        assertThat(synth.annotations.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*")))
                .isEmpty();
    }

    @Test
    void customDomain_withoutCertificate_isRefused() {
        assertThatThrownBy(() -> SpendgateStackProps.builder()
                        .proxyCode(Path.of("."))
                        .wasteDetectorJar(Path.of("."))
                        .reportRunnerJar(Path.of("."))
                        .customDomain("llm.example.com", null)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("certificateArn");
    }
}
