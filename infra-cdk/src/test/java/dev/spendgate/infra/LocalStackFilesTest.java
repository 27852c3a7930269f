package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.dynamodb.DynamoDbTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What can be checked without Docker: the compose file runs the pinned image with the init hook mounted, and the hook
 * creates the tables under the names and keys the adapters and the CDK stack use ({@code LocalStackInitIT} runs it).
 */
class LocalStackFilesTest {
    private static final Path DIR = Path.of("..", "localstack");

    @Test
    void composeFile_localStack_isPinnedAndMountsTheInitHooks() throws Exception {
        String compose = Files.readString(DIR.resolve("docker-compose.yml"));

        assertThat(compose)
                .contains("image: " + LocalStackFiles.IMAGE)
                .contains("./init/ready.d:/etc/localstack/init/ready.d");
    }

    @Test
    void initHook_tables_matchTheAdaptersNamesKeyAndTtl() throws Exception {
        Path hook = DIR.resolve("init/ready.d/10-spendgate.sh");
        String script = Files.readString(hook);

        assertThat(Files.getPosixFilePermissions(hook)).contains(PosixFilePermission.OWNER_EXECUTE);
        for (String table : List.of(
                DynamoDbTables.DEFAULT_KEYS_TABLE,
                DynamoDbTables.DEFAULT_SPOOL_TABLE,
                DynamoDbTables.DEFAULT_BUDGETS_TABLE)) {
            assertThat(script).containsPattern("(?m)^table " + table + "$");
        }
        assertThat(script)
                .contains("AttributeName=" + DynamoDbTables.PARTITION_KEY + ",AttributeType=S")
                .contains("AttributeName=" + DynamoDbTables.PARTITION_KEY + ",KeyType=HASH")
                .contains("--table-name " + DynamoDbTables.DEFAULT_BUDGETS_TABLE + " \\\n"
                        + "  --time-to-live-specification Enabled=true,AttributeName="
                        + DynamoDbTables.BudgetsTable.EXPIRES_AT)
                .contains("IndexName=" + DynamoDbTables.SpoolTable.QUEUE_INDEX + ",KeySchema=[{AttributeName="
                        + DynamoDbTables.SpoolTable.QUEUE + ",KeyType=HASH},{AttributeName="
                        + DynamoDbTables.SpoolTable.SPILLED_AT + ",KeyType=RANGE}]")
                // without it the sweeper falls back to scanning the whole budgets table
                .contains("IndexName=" + DynamoDbTables.BudgetsTable.RESERVATIONS_BY_EXPIRY
                        + ",KeySchema=[{AttributeName=" + DynamoDbTables.BudgetsTable.RESERVATION_SHARD
                        + ",KeyType=HASH},{AttributeName=" + DynamoDbTables.BudgetsTable.RESERVATION_EXPIRES_AT_MILLIS
                        + ",KeyType=RANGE}]")
                .contains("s3://" + LocalStackFiles.BUCKET)
                .contains("--name " + LocalStackFiles.SECRET)
                .contains("--name " + LocalStackFiles.TOPIC);
    }

    @Test
    void initHook_usageStream_isCreatedAndItsServiceStarted() throws Exception {
        String script = Files.readString(DIR.resolve("init/ready.d/10-spendgate.sh"));
        String compose = Files.readString(DIR.resolve("docker-compose.yml"));

        assertThat(script)
                .contains("--delivery-stream-name " + LocalStackFiles.USAGE_STREAM + " \\\n")
                .contains("BucketARN=arn:aws:s3:::" + LocalStackFiles.BUCKET)
                .contains("Prefix=" + LocalStackFiles.USAGE_STREAM_PREFIX)
                .contains("CompressionFormat=GZIP");
        assertThat(compose).containsPattern("SERVICES: .*\\bfirehose\\b");
    }
}
