package dev.spendgate.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.s3.IBucket;

/**
 * What a function needs to sum the usage log with Athena instead of reading every object itself: the workgroup,
 * the Glue table, read and write of the results prefix. The function's role must also read {@code usage/}.
 */
final class UsageQueries {
    private UsageQueries() {}

    /** The variables that make a report-runner function query Athena. */
    static Map<String, String> environment() {
        return Map.of(
                "SPENDGATE_ATHENA_WORKGROUP", Storage.ATHENA_WORKGROUP,
                "SPENDGATE_ATHENA_DATABASE", Storage.GLUE_DATABASE,
                "SPENDGATE_ATHENA_TABLE", Storage.GLUE_TABLE);
    }

    /** The wildcard resources {@link #grant} adds, as cdk-nag names them. */
    static List<String> nagWildcards() {
        return List.of("Resource::<StorageDataBucketB1B922FA.Arn>/" + Storage.ATHENA_RESULTS_PREFIX + "*");
    }

    static void grant(Role role, IBucket bucket, Stack stack) {
        role.addToPolicy(Policies.readObjects("ReadQueryResults", bucket, Storage.ATHENA_RESULTS_PREFIX));
        role.addToPolicy(Policies.listPrefixes("ListQueryResults", bucket, Storage.ATHENA_RESULTS_PREFIX));
        role.addToPolicy(Policies.writeObjects("WriteQueryResults", bucket, Storage.ATHENA_RESULTS_PREFIX));
        role.addToPolicy(Policies.allow(
                "AthenaResultsLocation", List.of("s3:GetBucketLocation"), List.of(bucket.getBucketArn())));
        role.addToPolicy(Policies.allow(
                "AthenaResultUploads",
                List.of("s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"),
                List.of(bucket.arnForObjects(Storage.ATHENA_RESULTS_PREFIX + "*"))));
        role.addToPolicy(Policies.allow(
                "QueryUsage",
                List.of(
                        "athena:StartQueryExecution",
                        "athena:GetQueryExecution",
                        "athena:GetQueryResults",
                        "athena:StopQueryExecution"),
                List.of(stack.formatArn(ArnComponents.builder()
                        .service("athena")
                        .resource("workgroup")
                        .resourceName(Storage.ATHENA_WORKGROUP)
                        .build()))));
        role.addToPolicy(Policies.allow(
                // the runner issues CREATE EXTERNAL TABLE IF NOT EXISTS before querying; the stack created the
                // table, so CreateTable is limited to that one table's name
                "UsageTableDefinition",
                List.of("glue:GetDatabase", "glue:GetTable", "glue:CreateTable"),
                List.of(
                        glueArn(stack, "catalog", null),
                        glueArn(stack, "database", Storage.GLUE_DATABASE),
                        glueArn(stack, "table", Storage.GLUE_DATABASE + "/" + Storage.GLUE_TABLE))));
    }

    private static String glueArn(Stack stack, String resource, String name) {
        var b = ArnComponents.builder().service("glue").resource(resource);
        if (name == null) {
            b.arnFormat(ArnFormat.NO_RESOURCE_NAME);
        } else {
            b.resourceName(name);
        }
        return stack.formatArn(b.build());
    }
}
