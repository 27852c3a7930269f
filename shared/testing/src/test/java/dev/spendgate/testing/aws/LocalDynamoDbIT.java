package dev.spendgate.testing.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

class LocalDynamoDbIT {

    @Test
    void shared_createTablePutGet_works() {
        DynamoDbClient client = LocalDynamoDb.shared().client();
        String table = LocalDynamoDb.uniqueTableName("local-dynamodb-it");

        client.createTable(b -> b.tableName(table)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(AttributeDefinition.builder()
                        .attributeName("pk")
                        .attributeType(ScalarAttributeType.S)
                        .build())
                .keySchema(KeySchemaElement.builder()
                        .attributeName("pk")
                        .keyType(KeyType.HASH)
                        .build()));
        client.putItem(
                b -> b.tableName(table).item(Map.of("pk", AttributeValue.fromS("a"), "n", AttributeValue.fromN("1"))));

        assertThat(client.getItem(b -> b.tableName(table).key(Map.of("pk", AttributeValue.fromS("a"))))
                        .item())
                .containsEntry("n", AttributeValue.fromN("1"));
    }

    @Test
    void shared_calledTwice_returnsSameServerAndCloseIsIgnored() {
        LocalDynamoDb first = LocalDynamoDb.shared();

        first.close();

        assertThat(LocalDynamoDb.shared()).isSameAs(first);
        assertThat(first.client().listTables().tableNames()).isNotNull();
    }

    @Test
    void close_ownServer_stopsTheProcess() {
        LocalDynamoDb own = LocalDynamoDb.start();
        DynamoDbClient client = own.clientBuilder()
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build();
        assertThat(client.listTables().tableNames()).isEmpty();
        assertThat(own.endpoint().getPort())
                .isNotEqualTo(LocalDynamoDb.shared().endpoint().getPort());

        own.close();

        assertThatThrownBy(client::listTables).isInstanceOf(SdkClientException.class);
        client.close();
    }

    @Test
    void server_parentGoneAway_exitsByItself() throws Exception {
        LocalDynamoDb own = LocalDynamoDb.start();
        try {
            own.process().getOutputStream().close(); // what the OS does when this JVM is killed

            assertThat(own.process().waitFor(5, TimeUnit.SECONDS)).isTrue();
        } finally {
            own.close();
        }
    }
    /**
     * A client that resets its connection while a request body is still arriving (an SDK client closed or its
     * thread interrupted mid-call, as the deadline and kill tests do) must not kill the server: the shared one serves
     * every later test in the JVM. dynalite rethrows the request's error event, which ended its process.
     */
    @Test
    void server_clientResetsMidRequest_keepsServing() throws Exception {
        LocalDynamoDb own = LocalDynamoDb.start();
        try {
            for (int i = 0; i < 3; i++) {
                try (java.net.Socket socket =
                        new java.net.Socket("127.0.0.1", own.endpoint().getPort())) {
                    socket.getOutputStream()
                            .write(("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0"
                                            + "\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\nContent-Length: 1000"
                                            + "\r\n\r\n{\"Limit\":")
                                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                    Thread.sleep(100); // the head has been read and the body is awaited
                    socket.setSoLinger(true, 0); // close with a reset, as an aborted client does
                }
            }
            Thread.sleep(300);

            assertThat(own.process().isAlive())
                    .as("dynalite after three reset requests")
                    .isTrue();
            DynamoDbClient client = own.clientBuilder().build();
            assertThat(client.listTables().tableNames()).isEmpty();
            client.close();
        } finally {
            own.close();
        }
    }
}
