package dev.spendgate.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.CfnParameter;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.amazon.awscdk.services.ses.EmailIdentity;
import software.amazon.awscdk.services.ses.Identity;
import software.amazon.awscdk.services.sns.Topic;
import software.constructs.Construct;

/**
 * Spendgate in one stack: proxy API, storage, scheduled jobs, alerts and operations. Two CloudFormation parameters
 * ({@code ReportRecipients}, {@code SenderAddress}) can change without a new synthesis; the provider-key secret and
 * the custom domain are structural, so they come through {@link SpendgateStackProps}.
 */
public final class SpendgateStack extends Stack {
    private final Storage storage;
    private final UsageDelivery usageDelivery;
    private final ProxyApi proxy;
    private final ScheduledJobs jobs;
    private final BatchResultsSweep batchSweep;
    private final Operations operations;
    private final ReconcileJob reconcile;
    private final Topic alerts;
    private final ISecret providerKeys;
    private final List<String> bedrockResourceArns;

    /**
     * The parameters' longest values: the report runner's published version names both in its description (so a
     * parameter update publishes a new version, {@link ScheduledJobs}), which Lambda caps at 256 characters.
     */
    static final int RECIPIENTS_MAX_LENGTH = 170;

    static final int SENDER_MAX_LENGTH = 80;

    public SpendgateStack(Construct scope, String id, SpendgateStackProps props) {
        super(scope, id, props.stackProps());
        this.bedrockResourceArns = props.bedrockResourceArns();

        CfnParameter recipients = CfnParameter.Builder.create(this, "ReportRecipients")
                .type("String")
                .description("Comma-separated email addresses that receive the monthly report")
                .allowedPattern("^[^,\\s@]+@[^,\\s@]+(,[^,\\s@]+@[^,\\s@]+)*$")
                .maxLength(RECIPIENTS_MAX_LENGTH)
                .constraintDescription("one or more email addresses separated by commas, no spaces, at most "
                        + RECIPIENTS_MAX_LENGTH + " characters (use a mailing list for more)")
                .build();
        CfnParameter sender = CfnParameter.Builder.create(this, "SenderAddress")
                .type("String")
                .description("The address reports are sent from; SES sends it a verification email on deploy")
                .allowedPattern("^[^,\\s@]+@[^,\\s@]+$")
                .maxLength(SENDER_MAX_LENGTH)
                .constraintDescription("one email address of at most " + SENDER_MAX_LENGTH + " characters")
                .build();

        storage = new Storage(this, "Storage", props.athenaScanCapBytes());

        // A customer-managed key, because CloudWatch alarms cannot publish to a topic under the AWS-managed SNS key.
        Key alertsKey = Key.Builder.create(this, "AlertsKey")
                .description("Spendgate alert topic encryption")
                .enableKeyRotation(true)
                .removalPolicy(RemovalPolicy.DESTROY)
                .pendingWindow(Duration.days(7))
                .build();
        alertsKey.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("AllowCloudWatchAlarmsToPublish")
                .principals(List.of(new ServicePrincipal("cloudwatch.amazonaws.com")))
                .actions(List.of("kms:Decrypt", "kms:GenerateDataKey*"))
                .resources(List.of("*"))
                .build());
        alerts = Topic.Builder.create(this, "Alerts")
                .displayName("Spendgate alerts")
                .masterKey(alertsKey)
                .enforceSsl(true)
                .build();
        // The TLS Deny above makes CDK write an AWS::SNS::TopicPolicy, which replaces SNS's default policy: CloudWatch
        // alarms publish as the service principal and need their own Allow, limited to this account's alarms (the
        // confused-deputy guard). The functions publish through their roles' IAM statements (same account).
        alerts.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("AllowCloudWatchAlarmsToPublish")
                .principals(List.of(new ServicePrincipal("cloudwatch.amazonaws.com")))
                .actions(List.of("sns:Publish"))
                .resources(List.of(alerts.getTopicArn()))
                .conditions(Map.of(
                        "StringEquals",
                        Map.of("aws:SourceAccount", getAccount()),
                        "ArnLike",
                        Map.of(
                                "aws:SourceArn",
                                "arn:" + getPartition() + ":cloudwatch:" + getRegion() + ":" + getAccount()
                                        + ":alarm:*")))
                .build());

        if (props.providerKeySecretArn() != null) {
            providerKeys = Secret.fromSecretCompleteArn(this, "ProviderKeys", props.providerKeySecretArn());
        } else {
            // No key value is ever in the template: the secret starts as {"placeholder": <random>} and the
            // operator puts the provider keys in with `aws secretsmanager put-secret-value` (README).
            providerKeys = Secret.Builder.create(this, "ProviderKeys")
                    .description(
                            "Spendgate provider keys: {\"OPENAI_API_KEY\": \"...\", \"ANTHROPIC_API_KEY\": \"...\"}")
                    .generateSecretString(SecretStringGenerator.builder()
                            .secretStringTemplate("{}")
                            .generateStringKey("placeholder")
                            .excludePunctuation(true)
                            .build())
                    .removalPolicy(RemovalPolicy.RETAIN)
                    .build();
        }

        EmailIdentity senderIdentity = EmailIdentity.Builder.create(this, "SenderIdentity")
                .identity(Identity.email(sender.getValueAsString()))
                .build();

        usageDelivery = new UsageDelivery(this, "UsageDelivery", storage, props.usageBufferSeconds(), alerts);
        proxy = new ProxyApi(this, "Proxy", props, storage, usageDelivery, providerKeys, alerts, alertsKey);
        jobs = new ScheduledJobs(
                this,
                "Jobs",
                props,
                storage,
                alerts,
                alertsKey,
                senderIdentity,
                sender.getValueAsString(),
                recipients.getValueAsString());
        batchSweep = new BatchResultsSweep(this, "BatchResultsSweep", proxy.alias(), proxy.role(), jobs.failedRuns());
        operations = new Operations(this, "Operations", proxy, jobs, alerts);
        reconcile = new ReconcileJob(this, "Reconcile", props, storage, alerts, alertsKey, jobs.failedRuns());

        output("OpenAiBaseUrl", Fn.join("", List.of(proxy.api().getUrl(), "v1")), "OpenAI SDK base URL");
        output("AnthropicBaseUrl", proxy.api().getUrl(), "Anthropic SDK base URL (no /v1: the SDK adds it)");
        output("ProviderKeySecretArn", providerKeys.getSecretArn(), "Put the provider keys here");
        output("KeysTableName", storage.keys().getTableName(), "Spendgate keys (SPENDGATE_KEYS_TABLE)");
        output("BudgetsTableName", storage.budgets().getTableName(), "Budgets (SPENDGATE_BUDGETS_TABLE)");
        output("DataBucketName", storage.data().getBucketName(), "usage/, findings/, reports/");
        output(
                "UsageStreamName",
                usageDelivery.streamName(),
                "Firehose stream the proxy sends usage records to (SPENDGATE_USAGE_FIREHOSE_STREAM)");
        output("AlertTopicArn", alerts.getTopicArn(), "Subscribe to budget and operations alerts");
        if (proxy.domain() != null) {
            output(
                    "CustomDomainTarget",
                    proxy.domain().getDomainNameAliasDomainName(),
                    "Point a CNAME (or Route 53 alias) for the custom domain here");
        }
        NagSuppressionsConfig.apply(this);
    }

    private void output(String id, String value, String description) {
        CfnOutput.Builder.create(this, id).value(value).description(description).build();
    }

    public Storage storage() {
        return storage;
    }

    public UsageDelivery usageDelivery() {
        return usageDelivery;
    }

    public ProxyApi proxy() {
        return proxy;
    }

    public BatchResultsSweep batchSweep() {
        return batchSweep;
    }

    public ScheduledJobs jobs() {
        return jobs;
    }

    public Operations operations() {
        return operations;
    }

    public ReconcileJob reconcile() {
        return reconcile;
    }

    public Topic alerts() {
        return alerts;
    }

    public ISecret providerKeys() {
        return providerKeys;
    }

    List<String> bedrockResourceArns() {
        return bedrockResourceArns;
    }
}
