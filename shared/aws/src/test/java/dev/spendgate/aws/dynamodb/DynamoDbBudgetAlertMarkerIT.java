package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.AwsClients;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.domain.budget.BudgetDecision;
import dev.spendgate.domain.budget.BudgetEnforcer;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.testing.aws.LocalAwsEndpoint;
import dev.spendgate.testing.aws.LocalDynamoDb;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Budget threshold alerts when DynamoDB loses an answer, with the clients the proxy Lambda builds
 * ({@code AwsGatewayRuntime}): the once-marker on {@link AwsClients#dynamoDb()} (the SDK's default retries), the
 * ledger and journal on {@link AwsClients#dynamoDbForBudgets()}.
 */
class DynamoDbBudgetAlertMarkerIT {
    private static final Attribution CHATBOT = new Attribution("chatbot", null, null, "prod", null, null, null);

    private LocalAwsEndpoint aws;
    private DynamoDbClient dynamoDb;
    private DynamoDbClient budgetWrites;
    private String table;
    private final List<BudgetAlert> alerts = new CopyOnWriteArrayList<>();
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);

    @BeforeEach
    void setUp() {
        LocalDynamoDb local = LocalDynamoDb.shared();
        aws = LocalAwsEndpoint.start(local.endpoint(), local.endpoint());
        AwsClients clients = AwsClients.create(
                Region.US_EAST_1,
                URI.create(aws.endpoint()),
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")));
        dynamoDb = clients.dynamoDb();
        budgetWrites = clients.dynamoDbForBudgets();
        table = LocalDynamoDb.uniqueTableName("alerts");
        DynamoDbTables.createBudgetsTable(dynamoDb, table);
        new DynamoDbBudgetPolicyStore(dynamoDb, table)
                .put(new BudgetPolicy(
                        BudgetScope.parse("feature:chatbot"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("10"),
                        BudgetPolicy.Mode.BLOCK,
                        List.of(80),
                        null,
                        ZoneOffset.UTC));
    }

    @AfterEach
    void tearDown() {
        dynamoDb.close();
        budgetWrites.close();
        aws.close();
    }

    /** One gateway instance (a Lambda execution environment). */
    private BudgetEnforcer instance() {
        return new BudgetEnforcer(
                new DynamoDbBudgetPolicyStore(dynamoDb, table),
                new DynamoDbBudgetLedger(budgetWrites, table),
                new DynamoDbOnceMarker(dynamoDb, table),
                new AlertSink() {
                    @Override
                    public void send(BudgetAlert alert) {
                        alerts.add(alert);
                    }
                },
                new DynamoDbReservationJournal(budgetWrites, table),
                Duration.ofMinutes(15),
                clock);
    }

    private static void call(BudgetEnforcer gateway, String cost) {
        BudgetDecision d =
                gateway.reserve(CHATBOT, "key-1", "gpt-4o", m -> Optional.of(new BigDecimal(cost)), m -> List.of());
        assertThat(d.allowed()).isTrue();
        gateway.settle(d, new BigDecimal(cost));
    }

    /**
     * The call that takes the $10 budget past 80 % writes the alert's marker; DynamoDB applies it, but its answer is
     * lost (HTTP 500) once. The SDK sends the conditional PutItem again, which now finds the marker and fails its
     * condition: the instance is told someone else alerted, and every later instance is told the same.
     */
    @Test
    void settle_crosses80Percent_markerWriteAnswerLostOnce_alertStillSentOnce() {
        BudgetEnforcer one = instance();
        BudgetEnforcer two = instance();
        call(one, "5.00");
        aws.failDynamoDb(true, 1, "alert#");

        call(one, "3.50"); // $8.50 of $10: 85 %
        aws.clearFaults();
        call(two, "0.50"); // another instance, $9.00: 90 %

        assertThat(alerts).as("alerts for feature:chatbot/monthly at 80 %").hasSize(1);
        one.close();
        two.close();
    }
}
