package dev.spendgate.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.amazon.awscdk.services.iam.Effect;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.logs.ILogGroup;
import software.amazon.awscdk.services.s3.IBucket;
import software.constructs.Construct;

/**
 * Least-privilege statements, written out action by action so the template reads like the code that needs them
 * (the CDK {@code grant*} helpers add actions the functions never call).
 */
final class Policies {
    private Policies() {}

    /** A Lambda execution role with no managed policy: it may write only to its own log group. */
    static Role lambdaRole(Construct scope, String id, String description, ILogGroup logGroup) {
        Role role = Role.Builder.create(scope, id)
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description(description)
                .build();
        role.addToPolicy(allow(
                "WriteOwnLogs",
                List.of("logs:CreateLogStream", "logs:PutLogEvents"),
                List.of(logGroup.getLogGroupArn())));
        return role;
    }

    static PolicyStatement allow(String sid, List<String> actions, List<String> resources) {
        return PolicyStatement.Builder.create()
                .sid(sid)
                .effect(Effect.ALLOW)
                .actions(actions)
                .resources(resources)
                .build();
    }

    static PolicyStatement table(String sid, ITable table, String... actions) {
        return allow(sid, List.of(actions), List.of(table.getTableArn()));
    }

    static PolicyStatement readObjects(String sid, IBucket bucket, String... prefixes) {
        return allow(sid, List.of("s3:GetObject"), objectArns(bucket, prefixes));
    }

    static PolicyStatement writeObjects(String sid, IBucket bucket, String... prefixes) {
        return allow(sid, List.of("s3:PutObject"), objectArns(bucket, prefixes));
    }

    /**
     * ListBucket on the whole bucket, for a role that reads objects that may not exist yet (a marker, an aggregate,
     * an idempotency record). S3 answers a GetObject of a missing key with 404 only when the caller may list the
     * bucket, and 403 otherwise; a grant conditioned on {@code s3:prefix} is not enough for that, since a GetObject
     * carries no {@code s3:prefix} for the condition to match. The role then may see key names (dates, ids: no
     * secrets, no record content) across the bucket; it still reads only its own prefixes.
     */
    static PolicyStatement listBucket(String sid, IBucket bucket) {
        return PolicyStatement.Builder.create()
                .sid(sid)
                .effect(Effect.ALLOW)
                .actions(List.of("s3:ListBucket"))
                .resources(List.of(bucket.getBucketArn()))
                .build();
    }

    /** ListBucket limited to keys under the given prefixes (a listing; a missing object still reads 403). */
    static PolicyStatement listPrefixes(String sid, IBucket bucket, String... prefixes) {
        List<String> patterns =
                java.util.Arrays.stream(prefixes).map(p -> p + "*").toList();
        return PolicyStatement.Builder.create()
                .sid(sid)
                .effect(Effect.ALLOW)
                .actions(List.of("s3:ListBucket"))
                .resources(List.of(bucket.getBucketArn()))
                .conditions(Map.of("StringLike", Map.of("s3:prefix", patterns)))
                .build();
    }

    private static List<String> objectArns(IBucket bucket, String... prefixes) {
        return java.util.Arrays.stream(prefixes)
                .map(p -> bucket.arnForObjects(p + "*"))
                .toList();
    }
}
